#!/usr/bin/env python3
"""ONNX Runtime timing server for bench/bench_fp32, for machines with Python's onnxruntime but no
Node.js: the same line protocol as bench/ort_bench.js (see there), e.g.

    bench_fp32 --ort-command "python3 bench/ort_bench.py" MODEL.onnx
"""

import json
import sys
import time

import numpy as np
import onnxruntime as ort


def main():
    session, feeds = None, None
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            cmd = json.loads(line)
            if cmd["cmd"] == "quit":
                break
            if cmd["cmd"] == "load":
                options = ort.SessionOptions()
                options.intra_op_num_threads = cmd["threads"]
                options.inter_op_num_threads = 1
                options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                session = ort.InferenceSession(cmd["model"], options, providers=["CPUExecutionProvider"])
                data = np.random.default_rng(12345).random(cmd["shape"], dtype=np.float32)
                feeds = {cmd["input"]: data}
                reply = {"ok": True}
            elif cmd["cmd"] == "run":
                times = []
                for _ in range(cmd["iterations"]):
                    start = time.perf_counter()
                    session.run(None, feeds)
                    times.append((time.perf_counter() - start) * 1e3)
                reply = {"ok": True, "times_ms": times}
            else:
                reply = {"ok": False, "error": "unknown command " + str(cmd["cmd"])}
        except Exception as e:  # reported to the caller, which prints it
            reply = {"ok": False, "error": str(e)}
        sys.stdout.write(json.dumps(reply, separators=(",", ":")) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
