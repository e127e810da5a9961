"""Run every benchmark script in this folder, one after another."""

import subprocess
import sys
from pathlib import Path

for script in sorted(Path(__file__).parent.glob("*.py")):
    if script.name in {"run_all.py", "__init__.py", "city_scale.py"}:  # city_scale: `make bench-city`
        continue
    print(f"== {script.name}", flush=True)
    subprocess.run([sys.executable, str(script)], check=True)
