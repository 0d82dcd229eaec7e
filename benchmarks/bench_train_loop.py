"""Training throughput of Winnow's loop (`train_lm`) vs a plain PyTorch loop on the same model.

    .venv/bin/python benchmarks/bench_train_loop.py                        # --config cpu -> results/train_loop_cpu.json
    .venv/bin/python benchmarks/bench_train_loop.py --config gpt2-124m --steps 2 --smoke   # CPU check of the GPU path
    PYTHONPATH=src python benchmarks/bench_train_loop.py --config gpt2-124m                # on a GPU -> results/train_loop_gpt2-124m.json

Variants, all on the same tokens, context, batch size and step count (token budget = steps x batch x n_ctx):
  winnow          `train_lm(build_model(lm), tokens, TrainConfig(..., progress=False))`: the loop
                  as shipped (get_batch, AdamW with decay groups, fused on CUDA, warmup + cosine LR,
                  grad clip 1.0, bf16 autocast on CUDA, `loss.item()` every step, per-step history)
  plain           the same GPT2LMHeadModel in a ~25-line loop: random slices of the same token array
                  (pinned + non-blocking copy on CUDA), forward -> F.cross_entropy -> backward ->
                  clip_grad_norm_ -> AdamW.step (same groups, betas, fused on CUDA) -> zero_grad, the same
                  warmup + cosine LR written into param_groups each step (--plain-lr constant: fixed LR),
                  same autocast; syncs (`loss.item()`) every step on CPU, every 10 steps on CUDA (nanoGPT's
                  log interval)
  compact         benchmarks/compact_gpt.py (hand-written GPT-2 shape, SDPA, tied head) in the plain loop
  *_compile       the same with torch.compile(model); Winnow's loop compiles only on CUDA
                  (TrainConfig.compile), so on CPU these run uncompiled unless --cpu-compile (plain/compact)
--config cpu runs winnow and plain with the project's default LMConfig at batch 2 and 8;
--config gpt2-124m runs all six with GPT-2 small (vocab 50304, 1024 ctx, 12 x 768) at batch 12.

Data: the reference corpus (data/01_raw/reference/wikipedia.jsonl.gz), a byte-level BPE tokenizer of 4,096
tokens trained on it with `train_bpe_tokenizer`, `tokenize_stream` (~1M tokens). GPT-2 small keeps its
50,304-row embedding (ids use the first 4,096; the compute is the same). Tokenizer training,
tokenisation and model construction are not timed.

Timing: one process, one thread count (--threads, default 1 on CPU), an untimed warm-up run of each
variant (--warmup-steps), then --repeats rounds that run every variant in turn (A, B, A, B, ...). Per run:
  wall tok/s    steps x batch x n_ctx / wall seconds of the whole call (optimizer construction,
                torch.compile and the first steps included)
  steady tok/s  tokens / seconds between the end of step `warm` and the last step (compile excluded)
  CPU tok/s     tokens / process CPU seconds (other jobs on a shared machine disturb this far less)
  step median   median of the loop's own per-step `tokens_per_s` (winnow) or of the sync windows (plain)
Ratios winnow / plain are taken per round and their median reported. On CUDA: peak
torch.cuda.max_memory_allocated per run, and MFU = (6 N + 12 L n_embd T) x steady tok/s / peak bf16 FLOP/s
(PaLM appendix B; N = all parameters, tied embedding once; peak 989e12 for H100 and H200, or --peak-tflops).
Memory (--memory subprocess, default on CPU): each variant again in a fresh process for --memory-steps
(before the timed runs). The child imports everything, loads the tokens, builds the model, then resets
the kernel's RSS high-water mark (/proc/self/clear_refs = 5); peak RSS growth = VmHWM after training -
VmRSS at the reset, i.e. gradients, optimizer state, activations and allocator slack, not weights or
libraries. ru_maxrss (resource.getrusage) is recorded too, but it cannot be reset and a forked child
inherits its parent's, so its growth is a lower bound.
The 1-minute load average (os.getloadavg) is recorded before and after every run.

Imports only torch, numpy and transformers/tokenizers/safetensors (through winnow.training, which needs rich
only to draw a progress bar, and the benchmark draws none): no Kedro, no MLflow.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import gzip
import importlib
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
CORPUS = REPO / "data" / "01_raw" / "reference" / "wikipedia.jsonl.gz"
sys.path.insert(0, str(REPO / "src"))  # measure this tree's winnow, with or without PYTHONPATH=src
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from compact_gpt import CompactGPT  # noqa: E402
from winnow.training import (LMConfig, TrainConfig, build_model, count_parameters, tokenize_stream,  # noqa: E402
                             train_bpe_tokenizer, train_lm)

ALL_VARIANTS = ["winnow", "plain", "winnow_compile", "plain_compile", "compact", "compact_compile"]
PAIRS = [("winnow", "plain"), ("winnow_compile", "plain_compile")]
CONFIGS = {
    "cpu": {"lm": asdict(LMConfig()), "batches": [2, 8], "steps": 150, "repeats": 3, "lr": TrainConfig().learning_rate,
            "variants": ["winnow", "plain"], "memory": "subprocess"},
    "gpt2-124m": {"lm": asdict(LMConfig(vocab_size=50304, n_ctx=1024, n_layer=12, n_head=12, n_embd=768)),
                  "batches": [12], "steps": 50, "repeats": 2, "lr": 6e-4, "variants": ALL_VARIANTS, "memory": "off"},
}
SMOKE = {"n_layer": 2, "n_ctx": 128}  # --smoke shrinks gpt2-124m to this, batch 2
PEAK_BF16_FLOPS = {"H100": 989e12, "H200": 989e12}  # dense bf16, SXM
PLAIN_SYNC_EVERY_CUDA = 10


def loadavg() -> float:
    return round(os.getloadavg()[0], 2)


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def proc_status_mb(field: str) -> float | None:
    """VmRSS (resident now) or VmHWM (peak since exec or since reset_peak_rss) from /proc/self/status."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return None


def reset_peak_rss() -> bool:
    """Set VmHWM back to the current RSS (Linux >= 4.0); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def git_state() -> dict:
    def git(*args):
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
    try:
        return {"commit": git("rev-parse", "--short", "HEAD"),
                "uncommitted_training": git("status", "--porcelain", "--", "src/winnow/training").splitlines()}
    except (OSError, subprocess.SubprocessError):
        return {}


# ---------------------------------------------------------------------------------------------
# Data and models


def prepare_tokens(vocab_size: int = 4096) -> tuple[np.ndarray, dict]:
    started = time.perf_counter()
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    tokenizer = train_bpe_tokenizer(texts, vocab_size)
    tokens = tokenize_stream(texts, tokenizer)
    return tokens, {"corpus": str(CORPUS.relative_to(REPO)), "documents": len(texts),
                    "characters": sum(map(len, texts)), "tokenizer_vocab": len(tokenizer),
                    "eos_token_id": tokenizer.eos_token_id, "tokens": int(len(tokens)),
                    "prepare_s": round(time.perf_counter() - started, 2)}


def variant_parts(variant: str) -> tuple[str, str, bool]:
    """(loop, model kind, compile) of a variant name."""
    base, _, suffix = variant.partition("_")
    loop = "winnow" if base == "winnow" else "plain"
    return loop, "compact" if base == "compact" else "hf", suffix == "compile"


def make_model(kind: str, lm: LMConfig) -> torch.nn.Module:
    if kind == "hf":
        return build_model(lm)  # no tokenizer: keeps lm.vocab_size (the tokenizer's EOT is id 0 = build_model's default)
    return CompactGPT(lm.vocab_size, lm.n_ctx, lm.n_layer, lm.n_head, lm.n_embd, seed=lm.init_seed)


def flops_per_token(n_params: int, lm: LMConfig) -> float:
    """PaLM (appendix B): 6N for the matmuls of forward + backward, 12 L H Q T for attention (H Q = n_embd)."""
    return 6 * n_params + 12 * lm.n_layer * lm.n_embd * lm.n_ctx


def peak_flops(device: torch.device, override_tflops: float | None) -> tuple[float | None, str | None]:
    if override_tflops:
        return override_tflops * 1e12, "--peak-tflops"
    if device.type != "cuda":
        return None, None
    name = torch.cuda.get_device_name(device)
    for key, value in PEAK_BF16_FLOPS.items():
        if key in name:
            return value, name
    return None, name


# ---------------------------------------------------------------------------------------------
# The plain loop


def cosine_lr(step: int, peak: float, warmup: int, max_steps: int, min_ratio: float) -> float:
    """Linear warmup from 0, then half a cosine down to min_ratio x peak (TrainConfig's schedule)."""
    if step < warmup:
        return peak * step / max(1, warmup)
    progress = (step - warmup) / max(1, max_steps - warmup)
    return peak * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def plain_loop(model: torch.nn.Module, kind: str, tokens: np.ndarray, n_ctx: int, batch: int, steps: int, lr: float,
               device: torch.device, compile_model: bool, marks: list,
               schedule: tuple[int, float] | None = None) -> tuple[list[float], float]:
    """nanoGPT-style: returns (tokens/s of each sync window, last loss); appends (step, time) at each sync to marks.

    schedule = (warmup steps, min LR ratio) sets each step's LR as nanoGPT does (param_group["lr"] = ...);
    None keeps the LR fixed at `lr`.
    """
    cuda = device.type == "cuda"
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95), fused=cuda)
    forward = torch.compile(model) if compile_model else model
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if cuda else contextlib.nullcontext()
    data = torch.from_numpy(tokens)  # int32, shared with numpy; slices are views
    generator = torch.Generator().manual_seed(0)
    sync_every = PLAIN_SYNC_EVERY_CUDA if cuda else 1
    tokens_per_step = batch * n_ctx
    window_tps, loss_value = [], float("nan")
    last_step, last_time = 0, time.perf_counter()
    for step in range(1, steps + 1):
        starts = torch.randint(len(data) - n_ctx - 1, (batch,), generator=generator).tolist()
        block = torch.stack([data[s : s + n_ctx + 1] for s in starts]).long()
        if cuda:
            block = block.pin_memory().to(device, non_blocking=True)
        inputs, targets = block[:, :-1], block[:, 1:]
        with autocast:
            logits = forward(input_ids=inputs).logits if kind == "hf" else forward(inputs)
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
        del logits  # else this step's logits stay alive through the next forward (as in nanoGPT): +1 logits tensor at peak
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        if schedule is not None:
            for group in optimizer.param_groups:
                group["lr"] = cosine_lr(step - 1, lr, schedule[0], steps, schedule[1])
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step % sync_every == 0 or step == steps:
            loss_value = loss.item()
            now = time.perf_counter()
            window_tps.append((step - last_step) * tokens_per_step / (now - last_time))
            marks.append((step, now))
            last_step, last_time = step, now
    return window_tps, loss_value


# ---------------------------------------------------------------------------------------------
# One run of one variant


def run_variant(variant: str, lm: LMConfig, batch: int, steps: int, lr: float, tokens: np.ndarray,
                device: torch.device, cpu_compile: bool, warm: int, model: torch.nn.Module | None = None,
                plain_lr: str = "schedule") -> dict:
    loop, kind, compile_requested = variant_parts(variant)
    compiled = compile_requested and (device.type == "cuda" or (cpu_compile and loop == "plain"))
    if model is None:
        model = make_model(kind, lm).to(device)  # built and moved before the clock starts
    n_params = count_parameters(model)
    gc.collect()
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    if compiled:
        torch._dynamo.reset()  # a fresh model per run: start from an empty dynamo cache (no recompile limit)
    allocated_before = torch.cuda.memory_allocated() if cuda else 0
    marks: list[tuple[int, float]] = []
    load_before = loadavg()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    if loop == "winnow":
        config = TrainConfig(token_budget=steps * batch * lm.n_ctx, batch_size=batch, learning_rate=lr,
                             device=device.type, compile=compile_requested, progress=False)
        history = train_lm(model, tokens, config, on_step=lambda r: marks.append((r["step"], time.perf_counter())))
        step_tps, last_loss = [r["tokens_per_s"] for r in history], history[-1]["loss"]
    else:
        defaults = TrainConfig()
        schedule = (defaults.warmup_steps, defaults.min_lr_ratio) if plain_lr == "schedule" else None
        step_tps, last_loss = plain_loop(model, kind, tokens, lm.n_ctx, batch, steps, lr, device, compiled, marks, schedule)
    if cuda:
        torch.cuda.synchronize()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    tokens_trained = steps * batch * lm.n_ctx
    after_warm = [(s, t) for s, t in marks if s >= warm]
    steady = None
    if len(after_warm) >= 2 and after_warm[-1][1] > after_warm[0][1]:
        steady = (after_warm[-1][0] - after_warm[0][0]) * batch * lm.n_ctx / (after_warm[-1][1] - after_warm[0][1])
    record = {
        "variant": variant, "loop": loop, "model": kind, "compile_requested": compile_requested, "compiled": compiled,
        "batch": batch, "n_ctx": lm.n_ctx, "steps": steps, "tokens": tokens_trained, "n_params": n_params,
        "wall_s": wall, "cpu_s": cpu, "wall_tok_s": tokens_trained / wall, "cpu_tok_s": tokens_trained / cpu,
        "steady_tok_s": steady, "steady_from_step": after_warm[0][0] if after_warm else None,
        "step_tok_s_median": statistics.median(step_tps),
        "step_tok_s_p10_p90": [float(np.percentile(step_tps, 10)), float(np.percentile(step_tps, 90))],
        "last_loss": last_loss, "loadavg_before": load_before, "loadavg_after": loadavg(),
        "maxrss_mb_process": round(maxrss_mb(), 1),  # high-water mark of the whole process so far
    }
    if cuda:
        record["cuda_max_allocated_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
        record["cuda_allocated_before_mb"] = round(allocated_before / 2**20, 1)
    del model
    if compiled:
        torch._dynamo.reset()
    gc.collect()
    if cuda:
        torch.cuda.empty_cache()
    return record


# ---------------------------------------------------------------------------------------------
# Memory: one fresh process per variant


def memory_child(args) -> dict:
    """Peak RSS growth of training alone: the process already holds the libraries, the tokens and the model."""
    lm = LMConfig(**json.loads(args.lm_json))
    device = torch.device(args.device)
    tokens = np.load(args.tokens_path)
    _, kind, compiled = variant_parts(args.child_variant)
    if compiled:
        importlib.import_module("torch._inductor.compile_fx")  # the compiler is a library here, not training state
    model = make_model(kind, lm).to(device)
    gc.collect()
    maxrss_before = maxrss_mb()
    hwm_reset = reset_peak_rss()
    rss_before = proc_status_mb("VmRSS")
    record = run_variant(args.child_variant, lm, args.child_batch, args.steps, args.lr, tokens, device,
                         args.cpu_compile, warm=0, model=model, plain_lr=args.plain_lr)
    hwm_after, maxrss_after = proc_status_mb("VmHWM"), maxrss_mb()
    return {"variant": args.child_variant, "batch": args.child_batch, "steps": args.steps,
            "compiled": record["compiled"], "rss_before_mb": rss_before and round(rss_before, 1), "rss_peak_mb": hwm_after and round(hwm_after, 1),
            "rss_growth_mb": round(hwm_after - rss_before, 1) if hwm_reset and hwm_after and rss_before else None,
            "ru_maxrss_before_mb": round(maxrss_before, 1), "ru_maxrss_after_mb": round(maxrss_after, 1),
            "ru_maxrss_growth_mb": round(maxrss_after - maxrss_before, 1),
            "cuda_max_allocated_mb": record.get("cuda_max_allocated_mb"),
            "loadavg_before": record["loadavg_before"], "loadavg_after": record["loadavg_after"]}


def memory_runs(args, lm: LMConfig, batches: list[int], variants: list[str], tokens_path: Path) -> list[dict]:
    out = []
    for batch in batches:
        for variant in variants:
            cmd = [sys.executable, __file__, "--child-variant", variant, "--child-batch", str(batch),
                   "--steps", str(args.memory_steps), "--lr", str(args.lr), "--lm-json", json.dumps(asdict(lm)),
                   "--tokens-path", str(tokens_path), "--device", args.device, "--threads", str(args.threads),
                   "--plain-lr", args.plain_lr]
            if args.cpu_compile:
                cmd.append("--cpu-compile")
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.child_timeout)
            if done.returncode:
                out.append({"variant": variant, "batch": batch, "error": done.stderr[-2000:]})
                print(f"memory {variant} batch {batch}: FAILED\n{done.stderr[-2000:]}", file=sys.stderr)
                continue
            result = json.loads(done.stdout.strip().splitlines()[-1])
            out.append(result)
            cuda_peak = f", CUDA peak {result['cuda_max_allocated_mb']} MB" if result["cuda_max_allocated_mb"] else ""
            print(f"memory  batch {batch:>3} {variant:<16} RSS {result['rss_before_mb']} -> peak {result['rss_peak_mb']} MB, "
                  f"growth {result['rss_growth_mb']} MB (ru_maxrss growth {result['ru_maxrss_growth_mb']} MB){cuda_peak}",
                  flush=True)
    return out


# ---------------------------------------------------------------------------------------------
# Summary


def median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(runs: list[dict], batches: list[int], variants: list[str], lm: LMConfig, peak: float | None) -> dict:
    summary = {}
    for batch in batches:
        per_variant = {}
        for variant in variants:
            rs = [r for r in runs if r["batch"] == batch and r["variant"] == variant and "error" not in r]
            if not rs:
                continue
            entry = {key: median_or_none([r[key] for r in rs])
                     for key in ("wall_tok_s", "steady_tok_s", "cpu_tok_s", "step_tok_s_median", "wall_s")}
            entry["repeats"] = len(rs)
            entry["compiled"] = rs[0]["compiled"]
            entry["n_params"] = rs[0]["n_params"]
            if "cuda_max_allocated_mb" in rs[0]:
                entry["cuda_max_allocated_mb"] = max(r["cuda_max_allocated_mb"] for r in rs)
            if peak and entry["steady_tok_s"]:
                entry["mfu"] = flops_per_token(rs[0]["n_params"], lm) * entry["steady_tok_s"] / peak
            per_variant[variant] = entry
        ratios = {}
        for a, b in PAIRS:
            ra = [r for r in runs if r["batch"] == batch and r["variant"] == a and "error" not in r]
            rb = [r for r in runs if r["batch"] == batch and r["variant"] == b and "error" not in r]
            if not ra or not rb:
                continue
            pair = {}
            for key in ("wall_tok_s", "steady_tok_s", "cpu_tok_s", "step_tok_s_median"):
                per_round = [x[key] / y[key] for x, y in zip(ra, rb) if x[key] and y[key]]
                pair[key] = {"median_of_rounds": median_or_none(per_round), "rounds": per_round,
                             "ratio_of_medians": (per_variant[a][key] / per_variant[b][key]
                                                  if per_variant[a][key] and per_variant[b][key] else None)}
            ratios[f"{a}/{b}"] = pair
        summary[f"batch_{batch}"] = {"variants": per_variant, "ratios": ratios}
    return summary


def print_table(summary: dict) -> None:
    for key, block in summary.items():
        print(f"\n{key}: median over rounds")
        print(f"{'variant':<16} {'wall tok/s':>11} {'steady tok/s':>13} {'CPU tok/s':>10} {'step med':>10} {'MFU':>6}")
        for variant, e in block["variants"].items():
            fmt = lambda v: f"{v:,.0f}" if v else "-"  # noqa: E731
            mfu = f"{e['mfu']:.1%}" if e.get("mfu") else "-"
            print(f"{variant:<16} {fmt(e['wall_tok_s']):>11} {fmt(e['steady_tok_s']):>13} {fmt(e['cpu_tok_s']):>10} "
                  f"{fmt(e['step_tok_s_median']):>10} {mfu:>6}")
        for pair, r in block["ratios"].items():
            parts = [f"{k.replace('_tok_s', '')} {v['median_of_rounds']:.3f}" for k, v in r.items() if v["median_of_rounds"]]
            print(f"ratio {pair}: " + ", ".join(parts))


# ---------------------------------------------------------------------------------------------


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", choices=sorted(CONFIGS), default="cpu")
    p.add_argument("--steps", type=int, help="training steps per run (default: 150 cpu, 50 gpt2-124m, 2 --smoke)")
    p.add_argument("--repeats", type=int, help="rounds over all variants (default: 3 cpu, 2 gpt2-124m, 1 --smoke)")
    p.add_argument("--batches", type=int, nargs="+", help="batch sizes (default: 2 8 cpu, 12 gpt2-124m, 2 --smoke)")
    p.add_argument("--variants", nargs="+", choices=ALL_VARIANTS, help="default: winnow plain (cpu), all (gpt2-124m)")
    p.add_argument("--smoke", action="store_true", help=f"shrink gpt2-124m to {SMOKE}, batch 2: checks the script on a CPU")
    p.add_argument("--threads", type=int, help="torch.set_num_threads (default 1 on CPU, torch's default on CUDA)")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--warmup-steps", type=int, default=3, help="untimed run of each variant first (0 = none)")
    p.add_argument("--warm", type=int, help="steady tok/s counts from this step (default: min(10, steps // 5))")
    p.add_argument("--lr", type=float, help="peak LR of both loops (default: TrainConfig's 3e-3 cpu, 6e-4 gpt2-124m)")
    p.add_argument("--plain-lr", choices=["schedule", "constant"], default="schedule",
                   help="plain loop LR: TrainConfig's warmup + cosine set per step (default), or fixed at --lr")
    p.add_argument("--memory", choices=["subprocess", "off"], help="peak RSS in a fresh process per variant")
    p.add_argument("--memory-steps", type=int, help="steps of each memory run (default: min(20, --steps))")
    p.add_argument("--cpu-compile", action="store_true", help="torch.compile plain/compact *_compile variants on CPU too")
    p.add_argument("--peak-tflops", type=float, help="peak bf16 TFLOP/s for MFU when the GPU is not an H100/H200")
    p.add_argument("--child-timeout", type=float, default=900)
    p.add_argument("--out", help="results JSON (default: benchmarks/results/train_loop_<config>.json)")
    p.add_argument("--child-variant", help=argparse.SUPPRESS)
    p.add_argument("--child-batch", type=int, help=argparse.SUPPRESS)
    p.add_argument("--lm-json", help=argparse.SUPPRESS)
    p.add_argument("--tokens-path", help=argparse.SUPPRESS)
    args = p.parse_args()

    device = torch.device(args.device)
    if args.threads is None and device.type == "cpu":
        args.threads = 1
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.child_variant:
        print(json.dumps(memory_child(args)))
        return

    config = CONFIGS[args.config]
    lm_fields = dict(config["lm"])
    batches = args.batches or config["batches"]
    if args.smoke:
        if args.config != "gpt2-124m":
            p.error("--smoke shrinks the gpt2-124m config")
        lm_fields.update(SMOKE)
        batches = args.batches or [2]
    lm = LMConfig(**lm_fields)
    steps = args.steps or (2 if args.smoke else config["steps"])
    repeats = args.repeats or (1 if args.smoke else config["repeats"])
    variants = args.variants or config["variants"]
    args.lr = args.lr or config["lr"]
    memory = args.memory or ("subprocess" if args.smoke else config["memory"])
    args.memory_steps = args.memory_steps or min(20, steps)
    warm = args.warm if args.warm is not None else min(10, steps // 5)
    default_out = (Path(tempfile.gettempdir()) / f"train_loop_{args.config}_smoke.json" if args.smoke
                   else RESULTS / f"train_loop_{args.config}.json")
    out = Path(args.out) if args.out else default_out
    peak, device_name = peak_flops(device, args.peak_tflops)

    started, load_start = time.time(), os.getloadavg()
    tokens, data_info = prepare_tokens()
    if data_info["tokenizer_vocab"] > lm.vocab_size:
        raise SystemExit(f"tokenizer has {data_info['tokenizer_vocab']} tokens, model vocab {lm.vocab_size}")
    print(f"{data_info['tokens']:,} tokens from {data_info['documents']} documents in {data_info['prepare_s']} s; "
          f"{args.config}{' (smoke)' if args.smoke else ''} {lm}, batches {batches}, {steps} steps x {repeats} rounds, "
          f"device {device_name or device}, threads {torch.get_num_threads()}, load {loadavg()}", flush=True)

    memory_results = []  # first, while this process is still small
    if memory == "subprocess":
        with tempfile.TemporaryDirectory() as tmp:
            tokens_path = Path(tmp) / "tokens.npy"
            np.save(tokens_path, tokens)
            memory_results = memory_runs(args, lm, batches, variants, tokens_path)

    runs: list[dict] = []

    def attempt(variant: str, batch: int, n_steps: int, round_: int | str) -> dict:
        try:
            r = run_variant(variant, lm, batch, n_steps, args.lr, tokens, device, args.cpu_compile, warm,
                            plain_lr=args.plain_lr)
        except Exception as error:  # keep the other variants' numbers (e.g. a compile failure on one GPU)
            r = {"variant": variant, "batch": batch, "error": f"{type(error).__name__}: {error}"}
            print(f"{variant} batch {batch}: FAILED {r['error']}", file=sys.stderr, flush=True)
        r["round"] = round_
        return r

    warmups = []
    for batch in batches:
        if args.warmup_steps:
            for variant in variants:
                warmups.append(attempt(variant, batch, args.warmup_steps, "warmup"))
        for round_ in range(repeats):
            for variant in variants:
                r = attempt(variant, batch, steps, round_)
                runs.append(r)
                if "error" not in r:
                    print(f"round {round_} batch {batch:>3} {variant:<16} wall {r['wall_tok_s']:>10,.0f} tok/s  steady "
                          f"{(r['steady_tok_s'] or 0):>10,.0f}  CPU {r['cpu_tok_s']:>10,.0f}  step median "
                          f"{r['step_tok_s_median']:>10,.0f}  loss {r['last_loss']:.3f}  load {r['loadavg_before']}->"
                          f"{r['loadavg_after']}", flush=True)

    summary = summarise(runs, batches, variants, lm, peak)
    print_table(summary)
    report = {
        "benchmark": "training loop: winnow.training.train_lm vs a plain PyTorch loop",
        "config": args.config, "smoke": args.smoke, "lm_config": asdict(lm), "batches": batches, "steps": steps,
        "repeats": repeats, "variants": variants, "learning_rate": args.lr, "plain_lr": args.plain_lr, "warm_steps_excluded": warm,
        "warmup_steps": args.warmup_steps, "plain_sync_every": PLAIN_SYNC_EVERY_CUDA if device.type == "cuda" else 1,
        "flops_per_token_formula": "6 * n_params + 12 * n_layer * n_embd * n_ctx",
        "peak_flops": peak, "data": data_info, "summary": summary,
        "memory": {"mode": memory, "steps": args.memory_steps, "runs": memory_results},
        "runs": runs, "warmup_runs": warmups,
        "environment": {
            "device": device_name or str(device), "cpu": cpu_model(), "nproc": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "python": platform.python_version(), "torch": torch.__version__,
            "transformers": __import__("transformers").__version__, "numpy": np.__version__,
            "loadavg_start": [round(x, 2) for x in load_start], "loadavg_end": [round(x, 2) for x in os.getloadavg()],
            "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
            "total_s": round(time.time() - started, 1), **git_state(),
        },
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=float) + "\n")
    print(f"\n-> {out}")


if __name__ == "__main__":
    main()
