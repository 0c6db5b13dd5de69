//! `contrib/k8s/sweep-job.yaml` against the CLI: the manifest parses, its Indexed Job and
//! merge Job agree on the number of shards, and their command lines, run as Kubernetes
//! would run them (each completion index, `$(VAR)` expanded from the container's env,
//! the volumes mapped to folders), give the unsharded sweep's files byte for byte.

use crate::common::{self, bin, ok};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use yaml_rust2::{Yaml, YamlLoader};

const MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/k8s/sweep-job.yaml");

const SCENARIO: &str = r#"
name = "k8s-test"
users = 120
replications = 2

[pki]
mode = "off"

[sweep]
"aad_connect.interval" = ["30m", "3h"]

[variants.pre-kb]
adfs.patched = 0

[variants.post-kb]
adfs.patched = 2
"#;

fn strings(y: &Yaml) -> Vec<String> {
    y.as_vec()
        .unwrap_or_else(|| panic!("expected a list, got {y:?}"))
        .iter()
        .map(|v| match v {
            Yaml::String(s) => s.clone(),
            Yaml::Integer(i) => i.to_string(),
            other => panic!("not a string: {other:?}"),
        })
        .collect()
}

fn job<'a>(docs: &'a [Yaml], name: &str) -> &'a Yaml {
    docs.iter()
        .find(|d| d["kind"].as_str() == Some("Job") && d["metadata"]["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no Job {name}"))
}

/// The container's env as Kubernetes gives it: plain values, and the completion index
/// for the downward-API field it comes from.
fn env_of(container: &Yaml, index: Option<u32>) -> HashMap<String, String> {
    let mut env = HashMap::new();
    for e in container["env"].as_vec().map(Vec::as_slice).unwrap_or(&[]) {
        let name = e["name"].as_str().expect("env name").to_string();
        let value = match e["value"].as_str() {
            Some(v) => v.to_string(),
            None => {
                let field = e["valueFrom"]["fieldRef"]["fieldPath"]
                    .as_str()
                    .expect("fieldRef");
                assert_eq!(
                    field,
                    "metadata.annotations['batch.kubernetes.io/job-completion-index']"
                );
                index.expect("an indexed pod").to_string()
            }
        };
        env.insert(name, value);
    }
    if let Some(i) = index {
        // What the Job controller sets in every pod of an Indexed Job.
        env.entry("JOB_COMPLETION_INDEX".into())
            .or_insert_with(|| i.to_string());
    }
    env
}

/// `$(NAME)` replaced from `env`, as the kubelet does in command and args.
fn expand(arg: &str, env: &HashMap<String, String>) -> String {
    let mut out = arg.to_string();
    while let Some(start) = out.find("$(") {
        let end = out[start..].find(')').expect("closing )") + start;
        let name = &out[start + 2..end];
        let value = env
            .get(name)
            .unwrap_or_else(|| panic!("$({name}) is not in the container's env"));
        out.replace_range(start..=end, value);
    }
    out
}

/// The container's mount paths mapped to folders of the test.
fn mapped(s: &str, mounts: &[(String, String)]) -> String {
    let mut out = s.to_string();
    for (from, to) in mounts {
        out = out.replace(&format!("{from}/"), &format!("{to}/"));
        if out == *from {
            out = to.clone();
        }
    }
    out
}

fn mounts(container: &Yaml, volumes: &Yaml, root: &Path) -> Vec<(String, String)> {
    container["volumeMounts"]
        .as_vec()
        .expect("volumeMounts")
        .iter()
        .map(|m| {
            let name = m["name"].as_str().expect("mount name");
            let volume = volumes
                .as_vec()
                .expect("volumes")
                .iter()
                .find(|v| v["name"].as_str() == Some(name))
                .unwrap_or_else(|| panic!("no volume {name}"));
            let dir = if !volume["persistentVolumeClaim"].is_badvalue() {
                root.join("data")
            } else {
                assert!(
                    !volume["configMap"].is_badvalue(),
                    "{name}: a PVC or a ConfigMap"
                );
                root.join("configmap")
            };
            std::fs::create_dir_all(&dir).unwrap();
            let path = m["mountPath"].as_str().expect("mountPath").to_string();
            (path, dir.display().to_string())
        })
        .collect()
}

/// Runs `container` (a whfb-sim one) as Kubernetes would, with the binary under test.
fn run_container(container: &Yaml, volumes: &Yaml, root: &Path, index: Option<u32>) {
    assert_eq!(strings(&container["command"]), ["whfb-sim"]);
    let env = env_of(container, index);
    let mounts = mounts(container, volumes, root);
    let args: Vec<String> = strings(&container["args"])
        .iter()
        .map(|a| mapped(&expand(a, &env), &mounts))
        .collect();
    let mut c = bin();
    c.args(&args);
    for (k, v) in &env {
        c.env(k, mapped(v, &mounts));
    }
    let o = c.output().expect("runs");
    assert!(
        o.status.success(),
        "whfb-sim {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn the_kubernetes_manifest_runs_the_sweep_the_cli_runs() {
    let text = std::fs::read_to_string(MANIFEST).unwrap();
    let docs = YamlLoader::load_from_str(&text).expect("valid YAML");
    let pvc = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("PersistentVolumeClaim"))
        .expect("a volume claim");
    assert_eq!(strings(&pvc["spec"]["accessModes"]), ["ReadWriteMany"]);

    let sweep = job(&docs, "whfb-sim-sweep");
    let spec = &sweep["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let completions = spec["completions"].as_i64().expect("completions") as u32;
    let parallelism = spec["parallelism"].as_i64().expect("parallelism") as u32;
    assert!(parallelism >= 1 && parallelism <= completions);
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"].as_str(), Some("Never"));
    let shard = &pod["containers"][0];
    let args = strings(&shard["args"]);
    let at = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .map(|i| args[i + 1].clone())
    };
    assert_eq!(at("--shard").as_deref(), Some("auto"));
    assert_eq!(
        at("--shards"),
        Some(completions.to_string()),
        "--shards = completions"
    );

    let merge = job(&docs, "whfb-sim-merge");
    let mpod = &merge["spec"]["template"]["spec"];
    let wait = &mpod["initContainers"][0];
    let wait_env = env_of(wait, None);
    assert_eq!(
        wait_env["SHARDS"],
        completions.to_string(),
        "SHARDS = completions"
    );

    // Kubernetes, emulated: the scenario in the ConfigMap, every index, the wait, the merge.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("configmap")).unwrap();
    let scenario = root.join("configmap/scenario.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let wait_script = {
        let cmd = strings(&wait["command"]);
        assert_eq!(cmd[..2], ["sh", "-c"]);
        mapped(&cmd[2], &mounts(wait, &mpod["volumes"], root))
    };
    let waits = |secs: &str| {
        Command::new("timeout")
            .args([secs, "sh", "-c", &wait_script])
            .envs(&wait_env)
            .status()
            .expect("sh runs")
            .code()
    };
    for i in 0..completions {
        if i + 1 == completions {
            assert_eq!(
                waits("2"),
                Some(124),
                "the merge waits while a shard is missing"
            );
        }
        run_container(shard, &pod["volumes"], root, Some(i));
    }
    assert_eq!(
        waits("30"),
        Some(0),
        "the merge starts once every shard is there"
    );
    assert_eq!(strings(&mpod["containers"][0]["args"])[0], "merge");
    run_container(&mpod["containers"][0], &mpod["volumes"], root, None);

    let full = root.join("full");
    ok(&[
        "sweep",
        scenario.to_str().unwrap(),
        "--out",
        full.to_str().unwrap(),
        "--quiet",
    ]);
    let report = root.join("data/report");
    assert!(report.join("sweep.csv").is_file());
    common::same_files(&full, &report);
    assert!(
        root.join("data/keys").symlink_metadata().is_err(),
        "crypto off: no keys"
    );
}
