//! The model's events: what can happen at an instant. Each variant is handled by the file
//! of the step it belongs to.

/// Which kind of deferred enrollment timer fired (for the trace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryKind {
    /// One of the retries counted from key registration (24, 85, ... min).
    Schedule,
    /// The attempt ~30 min after a later sign-in.
    AfterSignIn,
    /// Autoenrollment's periodic run.
    Periodic,
}

/// One scheduled happening.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Event {
    /// A user signs in.
    SignIn(u32),
    /// A user signs in at row `row` of their `signin.trace` sign-ins.
    TraceSignIn { user: u32, row: u32 },
    /// A user's session `session` ends.
    SignOut { user: u32, session: u32 },
    /// The Automatic-Device-Join task runs (at sign-in, then hourly while signed in).
    JoinAttempt { user: u32, session: u32 },
    /// A device registration call returned.
    JoinDone(u32),
    /// The user clicked "Set up a PIN".
    PinPageDone(u32),
    /// An MFA attempt ended.
    MfaResult { user: u32, ok: bool },
    /// The user clicked retry after an MFA error.
    MfaRetry(u32),
    /// A PIN entry ended (accepted or rejected by the complexity policy).
    PinEntered { user: u32, accepted: bool },
    /// The key pair is ready.
    KeyReady(u32),
    /// A DRS key registration call returned (or a throttle back-off ended: `throttled`).
    DrsReturned { user: u32, throttled: bool },
    /// The client finished building its request and sends it to AD FS.
    RequestSent(u32),
    /// An AD FS server finished handling a request.
    AdfsHandled { user: u32, server: u16 },
    /// The RA's key check finished (`ok`: the key is acceptable).
    KeyChecked { user: u32, server: u16, ok: bool },
    /// The RA finished checking the request and signing its envelope.
    RaSigned { user: u32, server: u16 },
    /// The CA finished with a request.
    CaDone { user: u32, server: u16 },
    /// The client finished verifying and installing the certificate.
    Installed(u32),
    /// The client's wait for the answer to its enrollment request `attempt`, sent to
    /// AD FS server `server`, runs out.
    RequestTimeout {
        user: u32,
        attempt: u32,
        server: u16,
    },
    /// The RA of AD FS server `server` gives up waiting for the CA on the user's request
    /// `attempt`.
    CaTimeout {
        user: u32,
        attempt: u32,
        server: u16,
    },
    /// A domain controller finished validating the first logon with the certificate.
    DcValidated(u32),
    /// Key trust: AD replication brought the user's key to their DC.
    KeyOnDc(u32),
    /// A deferred enrollment attempt is due.
    Retry {
        user: u32,
        generation: u32,
        kind: RetryKind,
    },
    /// A sync cycle is due (regular tick, or manual `Start-ADSyncSyncCycle`).
    SyncTick { manual: bool },
    /// The running cycle reached its Azure AD import step (the cut-off).
    SyncCutoff { cycle: u32 },
    /// The running cycle finished exporting to AD.
    SyncEnd { cycle: u32 },
    /// A fault window opens.
    FaultStart(u16),
    /// A fault window closes.
    FaultEnd(u16),
}
