#!/usr/bin/env python3
"""Makes the shipped alanine dipeptide (Ace-Ala-Nme) files under data/alanine_dipeptide/.

Run with Debian's python3-simtk (OpenMM 7.7); the dynae tool itself needs no Python:
    /usr/bin/python3 scripts/make_alanine_dipeptide.py data/alanine_dipeptide

Writes
  start.pdb           the C7eq structure (phi -83 deg, psi 73 deg), 22 atoms, built from
                      standard internal coordinates and then energy-minimised in vacuum
  system_vacuum.xml   the OpenMM System (XmlSerializer): Amber ff14SB (amber14-all.xml
                      from OpenMM's data folder), NoCutoff, no constraints (dynae adds the
                      HBond constraints itself, so that they can be switched off)
  system_obc2.xml     the same with OBC2 implicit solvent (implicit/obc2.xml)
"""
import math
import os
import sys

import numpy as np
import openmm
import openmm.app as app
import openmm.unit as unit


def place(a, b, c, bond, angle_deg, torsion_deg):
    """The point d with |cd| = bond, angle bcd = angle and dihedral abcd = torsion."""
    angle, torsion = math.radians(angle_deg), math.radians(torsion_deg)
    bc = c - b
    bc /= np.linalg.norm(bc)
    n = np.cross(b - a, bc)
    n /= np.linalg.norm(n)
    m = np.cross(n, bc)
    d2 = np.array([-bond * math.cos(angle), bond * math.sin(angle) * math.cos(torsion),
                   bond * math.sin(angle) * math.sin(torsion)])
    return c + d2[0] * bc + d2[1] * m + d2[2] * n


def dihedral(p0, p1, p2, p3):
    b0, b1, b2 = p0 - p1, p2 - p1, p3 - p2
    b1 = b1 / np.linalg.norm(b1)
    v = b0 - np.dot(b0, b1) * b1
    w = b2 - np.dot(b2, b1) * b1
    return math.degrees(math.atan2(np.dot(np.cross(b1, v), w), np.dot(v, w)))


def build(phi, psi):
    """Ace-Ala-Nme in Angstrom from standard bond lengths and angles (Engh-Huber-like)."""
    CC, CO, CN, NCA, CAC, CACB, CH, NH = 1.52, 1.23, 1.33, 1.46, 1.52, 1.53, 1.09, 1.01
    x = {}
    x["ACE CH3"] = np.zeros(3)
    x["ACE C"] = np.array([CC, 0.0, 0.0])
    ang = math.radians(180.0 - 116.6)
    x["ALA N"] = x["ACE C"] + CN * np.array([math.cos(ang), math.sin(ang), 0.0])
    x["ALA CA"] = place(x["ACE CH3"], x["ACE C"], x["ALA N"], NCA, 121.7, 180.0)
    x["ALA C"] = place(x["ACE C"], x["ALA N"], x["ALA CA"], CAC, 111.2, phi)
    x["NME N"] = place(x["ALA N"], x["ALA CA"], x["ALA C"], CN, 116.2, psi)
    x["NME CH3"] = place(x["ALA CA"], x["ALA C"], x["NME N"], NCA, 121.7, 180.0)
    x["ACE O"] = place(x["ALA CA"], x["ALA N"], x["ACE C"], CO, 122.9, 0.0)
    x["ALA H"] = place(x["ACE O"], x["ACE C"], x["ALA N"], NH, 119.8, 180.0)
    x["ALA O"] = place(x["NME CH3"], x["NME N"], x["ALA C"], CO, 122.9, 0.0)
    x["NME H"] = place(x["ALA O"], x["ALA C"], x["NME N"], NH, 119.8, 180.0)
    # L-alanine: CB at dihedral C-N-CA-CB = phi - 120 (checked against the chirality of
    # the ALA residues in OpenMM's test.pdb below), HA at phi + 120.
    x["ALA CB"] = place(x["ACE C"], x["ALA N"], x["ALA CA"], CACB, 110.5, phi - 122.5)
    x["ALA HA"] = place(x["ACE C"], x["ALA N"], x["ALA CA"], CH, 109.5, phi + 117.0)
    for i, t in enumerate((60.0, 180.0, 300.0)):
        x["ALA HB%d" % (i + 1)] = place(x["ALA N"], x["ALA CA"], x["ALA CB"], CH, 109.5, t)
        x["ACE HH3%d" % (i + 1)] = place(x["ALA N"], x["ACE C"], x["ACE CH3"], CH, 109.5, t)
        x["NME HH3%d" % (i + 1)] = place(x["ALA C"], x["NME N"], x["NME CH3"], CH, 109.5, t)
    return x


ORDER = [("ACE", ["HH31", "CH3", "HH32", "HH33", "C", "O"]),
         ("ALA", ["N", "H", "CA", "HA", "CB", "HB1", "HB2", "HB3", "C", "O"]),
         ("NME", ["N", "H", "CH3", "HH31", "HH32", "HH33"])]


def chirality(n, ca, c, cb):
    return float(np.dot(n - ca, np.cross(c - ca, cb - ca)))


def reference_chirality():
    path = os.path.join(os.path.dirname(app.__file__), "data", "test.pdb")
    pdb = app.PDBFile(path)
    pos = np.array(pdb.getPositions(asNumpy=True).value_in_unit(unit.angstrom))
    signs = []
    for res in pdb.topology.residues():
        if res.name != "ALA":
            continue
        idx = {a.name: a.index for a in res.atoms()}
        signs.append(np.sign(chirality(pos[idx["N"]], pos[idx["CA"]], pos[idx["C"]], pos[idx["CB"]])))
    return signs


def topology_and_positions(x):
    top = app.Topology()
    chain = top.addChain()
    positions = []
    atoms = {}
    for resname, names in ORDER:
        res = top.addResidue(resname, chain)
        for name in names:
            element = app.element.hydrogen if name.startswith("H") else {
                "C": app.element.carbon, "N": app.element.nitrogen, "O": app.element.oxygen}[name[0]]
            atoms[resname + " " + name] = top.addAtom(name, element, res)
            positions.append(x[resname + " " + name] / 10.0)
    bonds = [("ACE CH3", "ACE C"), ("ACE C", "ACE O"), ("ACE C", "ALA N"), ("ALA N", "ALA H"),
             ("ALA N", "ALA CA"), ("ALA CA", "ALA HA"), ("ALA CA", "ALA CB"), ("ALA CA", "ALA C"),
             ("ALA C", "ALA O"), ("ALA C", "NME N"), ("NME N", "NME H"), ("NME N", "NME CH3")]
    for i in range(1, 4):
        bonds += [("ACE CH3", "ACE HH3%d" % i), ("ALA CB", "ALA HB%d" % i), ("NME CH3", "NME HH3%d" % i)]
    for a, b in bonds:
        top.addBond(atoms[a], atoms[b])
    return top, np.array(positions) * unit.nanometer


def main(out):
    os.makedirs(out, exist_ok=True)
    x = build(-83.0, 73.0)
    want = set(reference_chirality())
    got = np.sign(chirality(x["ALA N"], x["ALA CA"], x["ALA C"], x["ALA CB"]))
    if want != {got}:
        sys.exit("built the wrong enantiomer (chirality %s, OpenMM's ALA residues %s)" % (got, want))
    top, pos = topology_and_positions(x)
    ff = app.ForceField("amber14-all.xml")
    ff_obc2 = app.ForceField("amber14-all.xml", "implicit/obc2.xml")
    kw = dict(nonbondedMethod=app.NoCutoff, constraints=None, rigidWater=False, removeCMMotion=True)
    system = ff.createSystem(top, **kw)
    system_obc2 = ff_obc2.createSystem(top, **kw)
    # Minimise in vacuum (Reference platform, deterministic), keeping the dihedrals near C7eq.
    integ = openmm.VerletIntegrator(1.0 * unit.femtosecond)
    ctx = openmm.Context(system, integ, openmm.Platform.getPlatformByName("Reference"))
    ctx.setPositions(pos)
    openmm.LocalEnergyMinimizer.minimize(ctx, 1e-3, 0)
    state = ctx.getState(getPositions=True, getEnergy=True)
    pos = state.getPositions(asNumpy=True)
    p = pos.value_in_unit(unit.angstrom)
    idx = {}
    for a in top.atoms():
        idx[a.residue.name + " " + a.name] = a.index
    phi = dihedral(p[idx["ACE C"]], p[idx["ALA N"]], p[idx["ALA CA"]], p[idx["ALA C"]])
    psi = dihedral(p[idx["ALA N"]], p[idx["ALA CA"]], p[idx["ALA C"]], p[idx["NME N"]])
    with open(os.path.join(out, "start.pdb"), "w") as f:
        f.write("REMARK   1 ALANINE DIPEPTIDE (ACE-ALA-NME), C7EQ, AMBER FF14SB MINIMISED IN VACUUM\n")
        f.write("REMARK   1 MADE BY scripts/make_alanine_dipeptide.py WITH OPENMM %s\n" % openmm.__version__)
        app.PDBFile.writeFile(top, pos, f, keepIds=True)
    for name, s in (("system_vacuum.xml", system), ("system_obc2.xml", system_obc2)):
        with open(os.path.join(out, name), "w") as f:
            f.write(openmm.XmlSerializer.serialize(s))
    print("minimised: E = %.6f kJ/mol, phi %.1f deg, psi %.1f deg" % (
        state.getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole), phi, psi))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/alanine_dipeptide")
