#!/usr/bin/env python3
"""Writes assets/sample-roll.csv: a made-up Arbor-style roll for one academy (Nursery to Year 13),
with names carrying apostrophes, accents and hyphens, and a few deliberately bad rows.
Deterministic (fixed seed): run it again and the file is the same."""
import random, datetime, pathlib

ALPHA = "ABCDEFGHJKLMNPQRTUVWXYZ"

def check_letter(body):
    total = 0
    for i, ch in enumerate(body):
        v = int(ch) if ch.isdigit() else ALPHA.index(ch)
        total += v * (i + 2)
    return ALPHA[total % 23]

def upn(la, estab, yy, serial):
    body = f"{la}{estab}{yy}{serial}"
    return check_letter(body) + body

FORENAMES = ["Amelia", "Olivia", "Isla", "Ava", "Mia", "Zoë", "Chloé", "Renée", "Siân", "Aoife",
             "Niamh", "Seren", "Anna-Marie", "Mary-Jane", "Oliver", "George", "Noah", "Arthur",
             "Muhammad", "Leo", "Harry", "Oscar", "José", "Rhys", "Dylan", "Jean-Luc", "Eóin",
             "Björn", "Kai", "Priya", "Aaliyah", "Fatima", "Ying", "Wiktoria", "Łukasz", "Tomás"]
SURNAMES = ["Smith", "Jones", "Williams", "Brown", "Taylor", "Davies", "O'Neil", "O'Brien",
            "D'Souza", "McAllister", "Smith-Jones", "Ashworth-Hale", "Núñez", "Müller", "Nowak",
            "Khan", "Patel", "Begum", "Nguyen", "Evans", "Thomas", "Roberts", "Wójcik", "Ó Súilleabháin",
            "Lloyd-Webber", "Ahmed", "Hughes", "Clarke", "Okafor", "Mensah"]
PREFERRED = {"Muhammad": "Mo", "Oliver": "Ollie", "Amelia": "Millie", "Harry": "Haz",
             "Wiktoria": "Vicky", "Łukasz": "Luke"}

def main():
    rnd = random.Random(2026)
    academic_year = 2026  # the academic year 2026/27
    rows = []
    serial = 100
    reg_letters = "ABC"
    for ncy in range(-1, 14):
        for k in range(13):
            serial += 1
            # Cohort: born 1 Sept (Y - ncy - 5) .. 31 Aug (Y - ncy - 4)
            start = datetime.date(academic_year - ncy - 5, 9, 1)
            dob = start + datetime.timedelta(days=rnd.randrange(365))
            f = rnd.choice(FORENAMES)
            s = rnd.choice(SURNAMES)
            pref = PREFERRED.get(f, "") if rnd.random() < 0.7 else ""
            yy = f"{(dob.year + 3) % 100:02d}"
            u = upn("886", "4021", yy, f"{serial:03d}")
            year = {-1: "N2", 0: "R"}.get(ncy, f"Year {ncy}" if rnd.random() < 0.5 else str(ncy))
            reg = {-1: "Nursery", 0: "Reception"}.get(ncy, f"{ncy}{reg_letters[k % 3]}")
            rows.append([u, s, f, pref, dob.strftime("%d/%m/%Y"), year, reg, f"{2000 + serial:06d}"])
    # One pupil taught out of cohort (MIS year differs from DOB-derived year: a warning).
    rows[40][5] = "Year 1"
    # Deliberately bad rows.
    good = rows[10]
    bad_letter = ("A" if good[0][0] != "A" else "B") + good[0][1:]
    rows.append([bad_letter[:-3] + "998", "Wrongletter", "Wendy", "", "04/05/2019", "Year 2", "2A", "009001"])
    rows.append([upn("999", "4021", "19", "997"), "Unknownla", "Liam", "", "04/05/2019", "Year 2", "2A", "009002"])
    rows.append([upn("886", "4021", "19", "996"), "Nodob", "Nora", "", "", "Year 2", "2B", "009003"])
    rows.append([upn("886", "4021", "19", "995"), "Baddate", "Bella", "", "31/02/2019", "Year 2", "2B", "009004"])
    rows.append([upn("886", "4021", "19", "994"), "Oddyear", "Otto", "", "04/05/2019", "Year Z", "2C", "009005"])
    rows.append(rows[20][:])  # the same UPN twice
    # The surname a pupil is known by, where it is not the legal one: Oliver Okafor (the pupil
    # the walkthrough and the end-to-end tests use) lives with foster carers called Reid.
    for r in rows:
        r.append("Reid" if (r[1], r[2]) == ("Okafor", "Oliver") else "")
    header = ["UPN", "Legal Surname", "Legal Forename", "Preferred Forename", "DOB", "Year", "Reg", "Adno",
              "Preferred Surname"]
    out = pathlib.Path(__file__).resolve().parent.parent / "assets" / "sample-roll.csv"
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(header) + "\r\n")
        for r in rows:
            fh.write(",".join(f'"{c}"' if ("," in c or "'" in c) else c for c in r) + "\r\n")
    print(f"wrote {out} ({len(rows)} rows)")

main()
