"""Reads a reversibility export with Python's own zipfile and jsonschema,
as a successor editor would: every CRC, every manifest entry (size and
SHA-256), every record file against the published JSON Schema.

Usage: export_zip.py ARCHIVE SCHEMA. Prints a JSON summary; exits 1 with
the problems on stderr when the archive does not hold up.
"""

import hashlib
import json
import sys
import zipfile

import jsonschema


def main() -> int:
    archive, schema_path = sys.argv[1], sys.argv[2]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    problems = []
    with zipfile.ZipFile(archive) as z:
        bad = z.testzip()
        if bad is not None:
            problems.append(f"CRC faux : {bad}")
        manifest = json.loads(z.read("manifest.json"))
        jsonschema.validate(
            manifest, {"$defs": schema["$defs"], "$ref": "#/$defs/Manifest"}
        )
        listed = {f["chemin"]: f for f in manifest["fichiers"]}
        names = [n for n in z.namelist() if not n.endswith("/")]
        for name in names:
            if name == "manifest.json":
                continue
            entry = listed.pop(name, None)
            if entry is None:
                problems.append(f"absent du manifeste : {name}")
                continue
            data = z.read(name)
            if len(data) != entry["octets"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
                problems.append(f"empreinte différente : {name}")
        problems.extend(f"listé mais absent : {name}" for name in listed)
        records = schema["$defs"]["Records"]["properties"]
        counted = {}
        for field, rule in records.items():
            name = f"donnees/{field}.json"
            value = json.loads(z.read(name))
            try:
                jsonschema.validate(value, {"$defs": schema["$defs"], **rule})
            except jsonschema.ValidationError as error:
                problems.append(f"{name} : {error.message}")
            counted[field] = len(value)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    print(json.dumps({"entrees": len(names), "enregistrements": counted}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
