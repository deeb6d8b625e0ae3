"""Benchmark: index a subset of the laws corpus and report chunks, build time and throughput.

.venv/bin/python bench/bench_laws.py [--laws ../shared/corpus/laws] [--files 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from qa_service.bootstrap import build_embedder, build_search_service
from qa_service.core.config import Settings
from qa_service.services.indexing import build_index

DEFAULT_LAWS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "laws"
PROBES = [
    "个人所得税的居民个人如何认定",
    "中小企业发展专项资金用途",
    "劳动合同试用期最长多久",
    "公司注册资本实缴",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--laws", type=Path, default=DEFAULT_LAWS)
    parser.add_argument("--files", type=int, default=200, help="0 = all files")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    files = sorted(args.laws.rglob("*.md"))
    if args.files:
        files = sorted(random.Random(args.seed).sample(files, min(args.files, len(files))))
    characters = sum(path.stat().st_size for path in files)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(index_dir=Path(folder) / "default")
        embedder = build_embedder(settings)
        report = build_index(files, settings, embedder, show_progress=True)
        print(
            f"{report.files} files ({characters / 1e6:.1f} MB), {report.documents} documents, "
            f"{report.chunks} chunks, {len(report.errors)} errors\n"
            f"build {report.seconds_total:.1f} s (ingest {report.seconds_ingest:.1f} s, embed "
            f"{report.seconds_embed:.1f} s): {report.chunks_per_second:.1f} chunks/s embedded"
        )
        for error in report.errors:
            print(f"  error {error.source}: {error.reason}")
        service = build_search_service(settings, embedder)
        latencies = []
        for probe in PROBES * 10:
            started = time.perf_counter()
            service.search(probe, top_k=5)
            latencies.append((time.perf_counter() - started) * 1000)
        print(f"search over {report.chunks} chunks: p50 {statistics.median(latencies):.1f} ms")
        for probe in PROBES:
            best = service.search(probe, top_k=1)[0]
            print(f"  {probe} → {best.chunk.clause_ref}")


if __name__ == "__main__":
    main()
