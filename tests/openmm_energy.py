#!/usr/bin/env python3
"""The potential energy of the shipped alanine dipeptide, computed by dynae (OpenMM's C++ API)
and independently by Debian's python3-simtk from the same System and structure: equal to 1e-6
relative on the Reference platform (double precision), 1e-4 on the CPU platform (mixed).
Skipped (exit 77) without python3-simtk.  Usage: openmm_energy.py DYNAE DATA_DIR"""
import re
import subprocess
import sys

try:
    import openmm
    import openmm.app as app
    import openmm.unit as unit
except ImportError:
    print("python3-simtk (OpenMM's Python API) is missing: skipped")
    sys.exit(77)

dynae, data = sys.argv[1], sys.argv[2]
pdb = app.PDBFile(data + "/alanine_dipeptide/start.pdb")
failures = 0
for solvent in ("vacuum", "obc2"):
    with open(data + "/alanine_dipeptide/system_%s.xml" % solvent) as f:
        system = openmm.XmlSerializer.deserialize(f.read())
    context = openmm.Context(system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference"))
    context.setPositions(pdb.positions)
    want = context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
    for platform, tolerance in (("Reference", 1e-6), ("CPU", 1e-4)):
        out = subprocess.run([dynae, "simulate", "--system", "alanine_dipeptide", "--energy", "--solvent", solvent,
                              "--platform", platform], capture_output=True, text=True)
        if out.returncode != 0:
            print("dynae failed:", out.stdout, out.stderr)
            sys.exit(1)
        got = float(re.search(r": (\S+) kJ/mol", out.stdout).group(1))
        rel = abs(got - want) / abs(want)
        ok = rel <= tolerance
        failures += not ok
        print("%-7s %-9s dynae %.10f  python3-simtk %.10f  relative difference %.2e  %s" % (
            solvent, platform, got, want, rel, "ok" if ok else "FAIL (tolerance %g)" % tolerance))
sys.exit(1 if failures else 0)
