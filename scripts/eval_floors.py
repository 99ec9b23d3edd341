#!/usr/bin/env python3
"""Fail when a score.py --json result falls below the floors: eval_floors.py SCORE.json ENTITY ACTOR COUNTRY."""
import json
import sys

score = json.load(open(sys.argv[1]))
floors = {"entities": float(sys.argv[2]), "actor": float(sys.argv[3]), "country": float(sys.argv[4])}
low = [f"{name} f1 {score[name]['f1']:.3f} < floor {floor:.2f}" for name, floor in floors.items()
       if score[name]["f1"] < floor]
print("eval: " + ("; ".join(low) if low else "all floors met " + str(floors)))
sys.exit(1 if low else 0)
