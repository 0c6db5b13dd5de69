"""The engine bench's M/M/4 queue (benches/engine_mmc.rs) in SimPy, for comparison.

1,000,000 customers, Poisson arrivals at 3.6/s, 4 servers with exponential service at
1/s (rho = 0.9), FIFO. Prints customers/s and the mean wait (Erlang C: ~1.969 s).
Usage: python3 benches/simpy_mmc.py [CUSTOMERS]
"""
import random
import sys
import time

import simpy

CUSTOMERS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
LAMBDA, MU, SERVERS = 3.6, 1.0, 4


def customer(env, servers, waits, rng):
    arrived = env.now
    with servers.request() as req:
        yield req
        waits.append(env.now - arrived)
        yield env.timeout(rng.expovariate(MU))


def source(env, servers, waits, rng):
    for _ in range(CUSTOMERS):
        yield env.timeout(rng.expovariate(LAMBDA))
        env.process(customer(env, servers, waits, rng))


rng = random.Random(1)
env = simpy.Environment()
servers = simpy.Resource(env, capacity=SERVERS)
waits = []
env.process(source(env, servers, waits, rng))
start = time.perf_counter()
env.run()
took = time.perf_counter() - start
print(f"SimPy {simpy.__version__}, M/M/{SERVERS} rho=0.9: {CUSTOMERS} customers in {took:.2f} s "
      f"= {CUSTOMERS / took:,.0f} customers/s; mean wait {sum(waits) / len(waits):.3f} s")
