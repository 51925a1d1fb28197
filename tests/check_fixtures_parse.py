"""Every fixture but the CEL000 ones must be valid Python 3 for CPython itself, so that the
fixtures test celint's analysis and not the parser's error recovery."""
import ast
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent
bad = []
count = 0
for path in sorted((root / "fixtures").rglob("*.py")) + sorted((root / "examples").rglob("*.py")):
    if "CEL000" in path.parts:
        continue
    count += 1
    try:
        ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as e:
        bad.append(f"{path}: {e}")
print(f"{count} files parsed, {len(bad)} failed")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
