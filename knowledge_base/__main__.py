"""`python -m knowledge_base match|bench`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .entries import CsvError, read_csv
from .matcher import DEFAULT_CHOICE_THRESHOLD, DEFAULT_THRESHOLD, Matcher

DEFAULT_KB = "knowledge_base/data/sample_kb.csv"
COLDSTART_KB = "bench/data/coldstart_kb.csv"
COLDSTART_QUERIES = "bench/data/coldstart_queries.csv"
QUERIES_DIR = "bench/data"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge_base", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    match = commands.add_parser("match", help="answer one query per stdin line with JSON lines")
    match.add_argument("--kb", required=True, help="knowledge-base CSV (id,topic,question,answer)")
    match.add_argument("--limit", type=int, default=3)
    match.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                       help="confidence from which the first entry is answered at once")
    match.add_argument("--choice-threshold", type=float, default=DEFAULT_CHOICE_THRESHOLD,
                       help="confidence from which the nearest entries are offered as choices")
    match.add_argument("--topic", default=None, help="topic key the worker chose (a hint)")

    bench = commands.add_parser("bench", help="quality and latency figures with a baseline")
    bench.add_argument("--kb", default=DEFAULT_KB)
    bench.add_argument("--queries", action="append", metavar="FILE",
                       help="labelled queries CSV; repeat for several (default: the files of "
                            f"{QUERIES_DIR} that exist)")
    bench.add_argument("--split", choices=("dev", "test", "all"), default="all")
    bench.add_argument("--sizes", default="1000,10000,100000",
                       help="knowledge-base sizes to time, comma-separated (default: %(default)s)")
    bench.add_argument("--quick", action="store_true", help="time 1000 and 10000 entries only")
    bench.add_argument("--with-variants", action="store_true",
                       help="synthetic entries keep (altered) copies of their model entry's variants")
    bench.add_argument("--coldstart-kb", default=COLDSTART_KB, help="KB of the cold-start evaluation")
    bench.add_argument("--coldstart-queries", default=COLDSTART_QUERIES,
                       help="its queries (query,expected_id,style), split dev/test by a hash of the text")
    bench.add_argument("--no-coldstart", action="store_true", help="skip the cold-start evaluation")

    args = parser.parse_args(argv)
    if args.command == "match":
        return _match(args)
    from .bench import default_query_files, run_bench

    query_files = args.queries or default_query_files(QUERIES_DIR)
    sizes = (1_000, 10_000) if args.quick else tuple(int(n) for n in args.sizes.split(",") if n)
    try:
        return run_bench(args.kb, query_files, split=args.split, sizes=sizes,
                         with_variants=args.with_variants,
                         coldstart=None if args.no_coldstart else (args.coldstart_kb, args.coldstart_queries))
    except CsvError as exc:
        print(exc.message, file=sys.stderr)
        return 2


def _match(args: argparse.Namespace) -> int:
    try:
        entries = read_csv(args.kb)
    except CsvError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"Không đọc được {args.kb} / Cannot read {args.kb}: {exc.strerror}", file=sys.stderr)
        return 2
    matcher = Matcher(entries, threshold=args.threshold, choice_threshold=args.choice_threshold)
    sys.stdin.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[union-attr]
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    for line in sys.stdin:
        query = line.rstrip("\r\n")
        result = matcher.match(query, topic=args.topic, limit=args.limit)
        # With "choices", the choices come first in `matches` (the first up to three).
        record = {
            "query": query,
            "tier": result.tier,
            "suggest": result.suggest,
            "matches": [{"id": m.entry.id, "score": round(m.score, 4)} for m in result.matches],
        }
        if result.tier == "choices":
            record["choices"] = len(result.choices)
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
