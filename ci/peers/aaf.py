"""The AAF directory (ficAlimMENESR files) as the peer candidate ENTs read
it: schools, pupils and parents by join key, and what an account page
shows for each. ElementTree never fetches the external DTD."""
import glob
import os
import xml.etree.ElementTree as ET


def _rows(folder, kind):
    rows = []
    for path in glob.glob(os.path.join(folder, f"*_{kind}_*.xml")):
        for request in ET.parse(path).getroot().findall("addRequest"):
            rows.append({a.get("name"): [v.text or "" for v in a.findall("value")]
                         for a in request.find("attributes").findall("attr")})
    return rows


class Directory:
    def __init__(self, folder):
        self.schools = {r["ENTStructureJointure"][0]: r["ENTStructureNomCourant"][0]
                        for r in _rows(folder, "EtabEducNat")}
        self.pupils = {r["ENTPersonJointure"][0]: r for r in _rows(folder, "Eleve")}
        self.parents = {r["ENTPersonJointure"][0]: r for r in _rows(folder, "PersRelEleve")}

    @staticmethod
    def name(row):
        return f"{row['ENTPersonPrenom'][0]} {row['ENTPersonNom'][0]}"

    def accounts(self, vectors):
        """The join keys of the AAF records the `{AAF}…|id` vectors name."""
        found = []
        for vector in vectors:
            jointure = vector.rsplit("|", 1)[-1]
            if jointure in self.pupils or jointure in self.parents:
                found.append(jointure)
        return found

    def children(self, jointure):
        parent = self.parents.get(jointure)
        if parent is None:
            return []
        return [self.pupils[c] for c in parent.get("ENTPersRelEleveEleve", []) if c in self.pupils]

    def account_page(self, jointure):
        """Name, profile, school (and children) of the record, as HTML."""
        if jointure in self.pupils:
            pupil = self.pupils[jointure]
            school = self.schools.get(pupil["ENTPersonStructRattach"][0], "")
            return [self.name(pupil), "élève", school]
        parent = self.parents[jointure]
        children = self.children(jointure)
        schools = {self.schools.get(c["ENTPersonStructRattach"][0], "") for c in children}
        return [self.name(parent), "parent d'élève", *sorted(schools),
                *[f"enfant : {self.name(c)}" for c in children]]

    def chooser_label(self, jointure):
        """What a profile-chooser entry says: the children of that record."""
        children = self.children(jointure)
        if not children and jointure in self.pupils:
            children = [self.pupils[jointure]]
        return ", ".join(self.name(c) for c in children)
