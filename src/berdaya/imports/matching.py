# SQL here is assembled only from column names defined in code (columns.py, model meta) and from literals built by
# sqlcheck.lit(); values from the file travel through COPY, CSV or query parameters.
# ruff: noqa: S608
"""Comparing the file with the registry, set-based.

The NIKs and KK numbers of the file are sent to the registry database and only the matching people and households
come back (nothing at all when the registry is empty). Which registered household each file household is, the
conflicts (a NIK in another household, a household or a member outside the user's scope, a second head) and the new /
updated / unchanged classification are decided in DuckDB, so a re-import of the same file writes nothing. A member the
user does not see (partner staff: one who withdrew consent to sharing) is matched, named and counted by nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection
from django.utils.translation import gettext as _

from berdaya.registry import choices as rc
from berdaya.registry.access import (
    HEAD_CHANGE_REFUSED,
    changes_household_heads,
    household_scope_q,
    households_visible_to,
    people_visible_to,
    withholds_members,
)
from berdaya.registry.choices import PersonStatus
from berdaya.registry.duplicates import Columns, name_key_sql, same_name_birth_village_sql
from berdaya.registry.matching import batch_providers
from berdaya.registry.models import Person

from . import sqlcheck as q
from .checks import P_NEAR, P_OLD_HEAD, P_OTHER_HH, P_SCOPE, add_errors, duck_type
from .columns import HOUSEHOLD_KEYS, PERSON_KEYS

# The registry's own definitions (registry.choices): the dead and merged duplicates hold no NIK and match no row;
# a merged duplicate is not a member of any household.
NOT_LIVING = ", ".join(f"'{s}'" for s in rc.NOT_LIVING_STATUSES)
ALIASES = ", ".join(f"'{s}'" for s in rc.ALIAS_STATUSES)

if TYPE_CHECKING:
    from .pipeline import Import


def existing(run: Import) -> None:
    """Match the file with the registry and decide, set-based, which registered household each file household
    is (see _map_households); people whose household changes are moves (pecah KK), written in write_updates."""
    p_cols = [("id", "BIGINT"), ("household_id", "BIGINT"), *((k, duck_type(k)) for k in PERSON_KEYS)]
    p_cols.append(("status", "VARCHAR"))
    nn_cols = [*p_cols, ("village_id", "VARCHAR"), ("kk_number", "VARCHAR")]
    h_cols = [("id", "BIGINT"), *((k, duck_type(k)) for k in HOUSEHOLD_KEYS), ("visible", "BOOLEAN")]
    p_select = ", ".join(f"p.{n}" for n, _t in p_cols)
    run.d("CREATE TABLE ex_hidden (id BIGINT)")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM registry_person LIMIT 1) x), "
            "(SELECT COUNT(*) FROM (SELECT 1 FROM registry_household LIMIT 1) y)"
        )
        has_people, has_households = cur.fetchone()
        if not (has_people or has_households):
            for name, cols in (("ex_nik", p_cols), ("ex_nonik", nn_cols), ("ex_m", p_cols), ("ex_h", h_cols)):
                run.d(f"CREATE TABLE {name} ({', '.join(f'{n} {t}' for n, t in cols)})")
            run.d("CREATE TABLE ex_kk (kk_number VARCHAR, id BIGINT)")
            run.d("CREATE TABLE ex_p AS SELECT * FROM ex_nik")
            return
        # Existing people by NIK (living only: a NIK is unique among the living).
        run.push(cur, "imp_nik", [("nik", "varchar(16)")], "SELECT DISTINCT nik FROM conv WHERE nik IS NOT NULL")
        run.transport.pull(
            cur,
            "ex_nik",
            p_cols,
            f"SELECT {p_select} FROM registry_person p WHERE p.nik IN (SELECT nik FROM imp_nik) "
            f"AND p.status NOT IN ({NOT_LIVING})",
        )
        # A join into a new table, not UPDATE ... FROM: DuckDB rewrites a million updated rows one version at a
        # time (20 s here for a re-import of 1M rows), while a join writes them once (NIK is unique among the
        # living, so each row meets at most one match).
        run.d(
            "CREATE OR REPLACE TABLE conv AS SELECT c.* REPLACE (e.id AS person_id, e.household_id AS hh_exist) "
            "FROM conv c LEFT JOIN ex_nik e ON e.nik = c.nik ORDER BY c.row_no"
        )
        link_held_rows(run, cur, p_cols, p_select)
        # People without NIK: candidates of the same name in the same village (a scoped importer only meets
        # the people they may see, so a match says nothing about anyone else).
        pull_same_name(run, cur, nn_cols)
        # Households: by KK number, and the registered households of the people found.
        run.push(cur, "imp_kk", [("kk", "varchar(16)")], "SELECT DISTINCT kk_number FROM hh WHERE kk_number <> ''")
        run.transport.pull(
            cur,
            "ex_kk",
            [("kk_number", "VARCHAR"), ("id", "BIGINT")],
            "SELECT kk_number, MIN(id) FROM registry_household WHERE kk_number IN (SELECT kk FROM imp_kk) "
            "GROUP BY kk_number",
        )
        run.push(
            cur,
            "imp_hid",
            [("id", "bigint")],
            "SELECT hh_exist FROM conv WHERE hh_exist IS NOT NULL UNION SELECT id FROM ex_kk",
        )
        visible = "1 = 1"
        if household_scope_q(run.actor) is not None:
            visible_sql, visible_params = households_visible_to(run.actor).values("id").query.sql_with_params()
            cur.execute("DROP TABLE IF EXISTS imp_vis")
            cur.execute(
                f"CREATE TEMP TABLE imp_vis AS SELECT id FROM imp_hid WHERE id IN ({visible_sql})", visible_params
            )
            run.target_tables.append("imp_vis")
            visible = "h.id IN (SELECT id FROM imp_vis)"
        h_select = ", ".join(f"h.{n}" for n, _t in h_cols[:-1])
        run.transport.pull(
            cur,
            "ex_h",
            h_cols,
            f"SELECT {h_select}, CASE WHEN {visible} THEN 1 ELSE 0 END FROM registry_household h "
            "WHERE h.id IN (SELECT id FROM imp_hid)",
        )
        run.d(
            "CREATE TABLE ex_p AS SELECT * FROM ex_nik UNION ALL SELECT * EXCLUDE (village_id, kk_number) "
            "FROM ex_nonik WHERE id NOT IN (SELECT id FROM ex_nik)"
        )
        pull_hidden(run, cur, "ex_p")
        map_households(run)
        run.push(cur, "imp_mid", [("id", "bigint")], "SELECT DISTINCT hh_id FROM hh WHERE hh_id IS NOT NULL")
        run.transport.pull(
            cur,
            "ex_m",
            p_cols,
            f"SELECT {p_select} FROM registry_person p WHERE p.household_id IN (SELECT id FROM imp_mid) "
            f"AND p.status NOT IN ({ALIASES})",
        )
        pull_hidden(run, cur, "ex_m")
    # Existing households must be inside the user's scope, and so must the households people move out of, and the
    # people themselves (a member hidden from the user: ex_hidden). The message is the same whatever matched (NIK or
    # KK number) and names nobody: a partner or facilitator must not learn that a number is registered outside their
    # scope (issue 13), nor partner staff that it is a member who withdrew consent to sharing.
    hidden = q.lit(
        _("Baris ini tidak bisa diimpor dengan hak akses Anda. Minta petugas dinas memeriksa dan mengimpornya.")
    )
    add_errors(
        run,
        P_SCOPE,
        f"SELECT c.row_no, NULL AS o1, 'hh_key' AS k, {hidden} AS m, c.hh_key AS b FROM conv c "
        "JOIN hh h ON h.hh_key = c.hh_key LEFT JOIN ex_h e ON e.id = h.hh_id LEFT JOIN ex_h o ON o.id = c.hh_exist "
        "WHERE NOT coalesce(e.visible, true) OR NOT coalesce(o.visible, true) "
        "OR c.person_id IN (SELECT id FROM ex_hidden)",
    )
    # People without NIK: the same name and birth date in the same household.
    run.d(
        "UPDATE conv SET person_id = m.pid, hh_exist = m.hid FROM (SELECT c.row_no, min(p.id) AS pid, "
        "min(p.household_id) AS hid FROM conv c "
        "JOIN hh h ON h.hh_key = c.hh_key JOIN ex_m p ON p.household_id = h.hh_id AND p.full_name = c.full_name "
        "AND p.birth_date = c.birth_date AND p.id NOT IN (SELECT id FROM ex_hidden) "
        "WHERE c.nik IS NULL AND c.person_id IS NULL GROUP BY c.row_no) m "
        "WHERE m.row_no = conv.row_no"
    )
    run.d(
        "INSERT INTO ex_p SELECT * FROM ex_m WHERE id NOT IN (SELECT id FROM ex_p) "
        "AND id IN (SELECT person_id FROM conv)"
    )
    # A person without NIK who resembles a registered one without being the same on every point is left
    # for an officer to look at (the deduplication work to come handles the fuzzy cases).
    add_errors(
        run,
        P_NEAR,
        "SELECT c.row_no, NULL AS o1, 'full_name' AS k, "
        + q.msg(
            _(
                "Mirip penduduk yang sudah terdaftar di desa yang sama (penduduk #%(id)s: nama sama, tetapi "
                "tanggal lahir, jenis kelamin, NIK atau Nomor KK berbeda). Periksa dulu di registri: bila orang "
                "yang sama, samakan datanya; bila orang lain, isi NIK-nya."
            ),
            id="min(e.id)",
        )
        + " AS m, any_value(c.hh_key) AS b FROM conv c JOIN ex_nonik e ON e.village_id = c.village_id "
        f"AND {name_key_sql('e.full_name')} = {name_key_sql('c.full_name')} "
        "WHERE c.nik IS NULL AND c.person_id IS NULL GROUP BY c.row_no",
    )
    if changes_household_heads(run.actor):
        old_head(run)
    else:
        # Not "another head who is not in the file": she may be a member hidden from this user.
        head_kept(run)


def old_head(run: Import) -> None:
    """A household that already has a head who is not in the file would end up with two (for the roles that see
    every member of the households they see, so the head named is one they see)."""
    add_errors(
        run,
        P_OLD_HEAD,
        "SELECT r.row_no, NULL AS o1, 'relationship' AS k, "
        + q.msg(
            _("Rumah tangga ini sudah punya kepala keluarga lain (penduduk #%(id)s) yang tidak ada di file."),
            id="p.id",
        )
        + " AS m, r.hh_key AS b FROM hh h JOIN ex_h e ON e.id = h.hh_id AND e.visible "
        "JOIN ex_m p ON p.household_id = h.hh_id AND p.relationship = 'head' "
        "AND p.status = 'active' JOIN conv r ON r.hh_key = h.hh_key AND r.relationship = 'head' "
        "AND (r.person_id IS NULL OR r.person_id <> p.id) "
        "WHERE NOT EXISTS (SELECT 1 FROM conv x WHERE x.person_id = p.id)",
    )


def pull_hidden(run: Import, cur, table: str) -> None:
    """Add to ex_hidden the people of `table` (ex_p, ex_m) in a household the user sees whom the user does not see
    (registry.access.people_visible_to: partner staff do not see a member who withdrew consent to sharing with
    partners). No row is matched to one of them (a NIK that finds one is refused as one outside the user's scope),
    no household is recognised through one, and no check names, counts or is decided by one."""
    if not withholds_members(run.actor):
        return
    run.d(
        f"CREATE OR REPLACE TABLE seen_{table} AS SELECT DISTINCT t.id FROM {table} t "
        "JOIN ex_h e ON e.id = t.household_id AND e.visible WHERE t.id NOT IN (SELECT id FROM ex_hidden)"
    )
    run.push(cur, f"imp_seen_{table}", [("id", "bigint")], f"SELECT id FROM seen_{table}")
    # Those the user sees, asked with IN (a semi-join the planner does well; NOT IN over a large scope would not).
    visible_sql, visible_params = people_visible_to(run.actor).values("id").query.sql_with_params()
    shown = f"imp_shown_{table}"
    cur.execute(f"DROP TABLE IF EXISTS {shown}")
    cur.execute(
        f"CREATE TEMP TABLE {shown} AS SELECT id FROM imp_seen_{table} WHERE id IN ({visible_sql})", visible_params
    )
    run.target_tables.append(shown)
    run.transport.pull(cur, f"shown_{table}", [("id", "BIGINT")], f"SELECT id FROM {shown}")
    run.d(f"INSERT INTO ex_hidden SELECT id FROM seen_{table} WHERE id NOT IN (SELECT id FROM shown_{table})")


def head_kept(run: Import) -> None:
    """For a user who may not change who heads a registered household (registry.access.changes_household_heads), the
    rows of a registered household keep its head: a row that says head must be the active head the user sees, and
    her row must say head. One message, whoever the members are: the rule reads only the members the user sees, so a
    household whose head is hidden answers as one that has no head."""
    add_errors(
        run,
        P_OLD_HEAD,
        f"SELECT r.row_no, NULL AS o1, 'relationship' AS k, {q.lit(str(HEAD_CHANGE_REFUSED))} AS m, r.hh_key AS b "
        "FROM hh h JOIN ex_h e ON e.id = h.hh_id AND e.visible JOIN conv r ON r.hh_key = h.hh_key "
        "LEFT JOIN ex_m p ON p.id = r.person_id AND p.household_id = h.hh_id AND p.relationship = 'head' "
        "AND p.status = 'active' AND p.id NOT IN (SELECT id FROM ex_hidden) "
        "WHERE (r.relationship = 'head') <> (p.id IS NOT NULL)",
    )


def link_held_rows(run: Import, cur, p_cols: list[tuple[str, str]], p_select: str) -> None:
    """Rows an officer linked to a registered person after review ("it is the existing person"): matched to that
    person as a NIK would match them, so the row updates the person (and the scope check applies to them)."""
    links = {row: pid for row, (action, pid) in run.decisions.items() if action == "link" and pid}
    if not links:
        return
    ids = ", ".join(str(int(pid)) for pid in sorted(set(links.values())))
    run.transport.pull(cur, "ex_link", p_cols, f"SELECT {p_select} FROM registry_person p WHERE p.id IN ({ids})")
    run.d("INSERT INTO ex_nik SELECT * FROM ex_link WHERE id NOT IN (SELECT id FROM ex_nik)")
    run.d(
        "CREATE TABLE links AS SELECT unnest($1::INTEGER[]) AS row_no, unnest($2::BIGINT[]) AS pid",
        [list(links), list(links.values())],
    )
    run.d(
        "UPDATE conv SET person_id = e.id, hh_exist = e.household_id FROM links l JOIN ex_link e ON e.id = l.pid "
        "WHERE conv.row_no = l.row_no"
    )


def hold_likely(run: Import) -> None:
    """Rows that would be new people but resemble registered ones are held for review, not written: their whole
    household waits until an officer releases each such row (a new person) or links it (the registered person).

    Set-based: the new rows of the file go to every batch provider of registry.matching at once (the built-in one
    applies the exact rules in DuckDB to the registry people of the same village and birth date, pulled in one
    query; the deduplication app scores the batch with its own engine). Matching covers the whole registry, whatever
    the importer's scope; the import page shows each match as the viewer's scope allows."""
    released = [row for row, (action, _pid) in run.decisions.items() if action in ("release", "link")]
    record_cols = "row_no, hh_key, full_name, birth_date, village_id, nik, sex, kk_number, phone, birth_place"
    run.d(
        f"CREATE TABLE lm_records AS SELECT {record_cols} FROM conv WHERE person_id IS NULL "
        "AND row_no NOT IN (SELECT unnest($1::INTEGER[]))",
        [released],
    )
    run.d("CREATE TABLE likely (row_no INTEGER, person_id BIGINT, reason VARCHAR, score DOUBLE)")
    if not run.one("SELECT count(*) FROM lm_records")[0]:
        return
    cols = [
        ("id", "BIGINT"), ("household_id", "BIGINT"), ("full_name", "VARCHAR"), ("birth_date", "DATE"),
        ("village_id", "VARCHAR"), ("nik", "VARCHAR"), ("sex", "VARCHAR"), ("kk_number", "VARCHAR"),
        ("phone", "VARCHAR"),
    ]  # fmt: skip
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM (SELECT 1 FROM registry_person LIMIT 1) x")
        if not cur.fetchone()[0]:
            return
        run.push(
            cur,
            "imp_vb",
            [("village_id", "varchar(13)"), ("birth_date", "date")],
            "SELECT DISTINCT village_id, birth_date FROM lm_records",
        )
        run.transport.pull(
            cur,
            "reg_people",
            cols,
            "SELECT p.id, p.household_id, p.full_name, p.birth_date, h.village_id, p.nik, p.sex, h.kk_number, "
            "p.phone FROM registry_person p JOIN registry_household h ON h.id = p.household_id "
            "JOIN imp_vb i ON i.village_id = h.village_id AND i.birth_date = p.birth_date "
            "WHERE p.status <> 'deceased'",
        )
    for provider in batch_providers().values():
        provider(duck=run.duck, records="lm_records", into="likely")
    # Only the living are proposed, whichever provider found them (registry.matching.likely_matches_for alike).
    found = [int(pid) for (pid,) in run.d("SELECT DISTINCT person_id FROM likely").fetchall()]
    if found:
        deceased = list(Person.objects.filter(pk__in=found, status=PersonStatus.DECEASED).values_list("pk", flat=True))
        if deceased:
            run.d("DELETE FROM likely WHERE person_id IN (SELECT unnest($1::BIGINT[]))", [deceased])
    held = run.d(
        "SELECT l.row_no, any_value(r.full_name), any_value(r.hh_key), "
        "list(struct_pack(id := l.person_id, reason := l.reason, score := l.score) ORDER BY l.person_id), "
        "any_value(h.rows) FROM (SELECT row_no, person_id, string_agg(DISTINCT reason, '; ') AS reason, "
        "max(score) AS score FROM likely GROUP BY row_no, person_id) l JOIN lm_records r ON r.row_no = l.row_no "
        "JOIN (SELECT hh_key, list(row_no ORDER BY row_no) AS rows FROM conv GROUP BY hh_key) h "
        "ON h.hh_key = r.hh_key GROUP BY l.row_no ORDER BY l.row_no"
    ).fetchall()
    if not held:
        return
    run.result.held = [
        {
            "row": row_no,
            "name": name,
            "household_rows": list(rows),
            "candidates": [{"id": c["id"], "reasons": c["reason"], "score": c["score"]} for c in candidates],
        }
        for row_no, name, _hh_key, candidates, rows in held
    ]
    run.d("CREATE TABLE held_hh AS SELECT DISTINCT r.hh_key FROM likely l JOIN lm_records r ON r.row_no = l.row_no")
    run.result.held_rows = int(run.one("SELECT count(*) FROM conv WHERE hh_key IN (SELECT hh_key FROM held_hh)")[0])
    run.d("DELETE FROM conv WHERE hh_key IN (SELECT hh_key FROM held_hh)")
    run.d("DELETE FROM hh WHERE hh_key IN (SELECT hh_key FROM held_hh)")


def pull_same_name(run: Import, cur, nn_cols: list[tuple[str, str]]) -> None:
    """ex_nonik: the registered people (living) with the name and village of a file row without NIK."""
    run.push(
        cur,
        "imp_names",
        [("village_id", "varchar(13)"), ("name_key", "varchar(150)")],
        "SELECT DISTINCT village_id, lower(full_name) FROM conv WHERE nik IS NULL",
    )
    scope, params = "", []
    if household_scope_q(run.actor) is not None:
        # The people the user sees: partner staff never meet a member who withdrew consent to sharing.
        visible_sql, visible = people_visible_to(run.actor).values("id").query.sql_with_params()
        scope, params = f"AND p.id IN ({visible_sql})", list(visible)
    # The candidates go through a temporary table: COPY (the PostgreSQL pull) takes no query parameters.
    cur.execute("DROP TABLE IF EXISTS imp_nn")
    cur.execute(
        "CREATE TEMP TABLE imp_nn AS SELECT p.id FROM registry_person p "
        "JOIN registry_household h ON h.id = p.household_id "
        "JOIN imp_names i ON i.village_id = h.village_id AND i.name_key = lower(p.full_name) "
        f"WHERE p.status NOT IN ({NOT_LIVING}) {scope}",
        params,
    )
    run.target_tables.append("imp_nn")
    select = ", ".join(f"p.{n}" for n, _t in nn_cols[:-2])
    run.transport.pull(
        cur,
        "ex_nonik",
        nn_cols,
        f"SELECT {select}, h.village_id, h.kk_number FROM registry_person p "
        "JOIN registry_household h ON h.id = p.household_id WHERE p.id IN (SELECT id FROM imp_nn)",
    )
    # One registered person without NIK of the same name, birth date, sex, village (and KK number when the
    # file gives one) is the same person.
    # The exact rule of registry.duplicates (same name, birth date and village), plus sex and KK number.
    same = same_name_birth_village_sql(Columns.of("c"), Columns.of("e"))
    run.d(
        "UPDATE conv SET person_id = m.pid, hh_exist = m.hid FROM (SELECT c.row_no, min(e.id) AS pid, "
        f"min(e.household_id) AS hid FROM conv c JOIN ex_nonik e ON {same} AND e.sex = c.sex "
        "AND e.nik IS NULL AND (coalesce(c.kk_number, '') = '' OR e.kk_number = c.kk_number) "
        "WHERE c.nik IS NULL AND c.person_id IS NULL GROUP BY c.row_no HAVING count(*) = 1) m "
        "WHERE m.row_no = conv.row_no"
    )


def map_households(run: Import) -> None:
    """Which registered household each file household is, in this order:
    1. the household with the same KK number;
    2. the household the file's head already heads (the family got a new KK number);
    3. the one household all its known members come from, when one of the two has no KK number.
    Otherwise it is a new household, and its known members move into it as the registry's split service
    would move them: the household they leave keeps its KK number, head and address. What cannot be decided
    without a person (two file households claiming one registered household, a registered head appearing as
    a member elsewhere) is reported, never guessed."""
    run.d(
        "UPDATE hh SET hh_id = k.id FROM ex_kk k WHERE hh.hh_id IS NULL AND hh.kk_number <> '' "
        "AND k.kk_number = hh.kk_number"
    )
    run.d(
        "UPDATE hh SET hh_id = x.h FROM (SELECT c.hh_key, min(c.hh_exist) AS h FROM conv c "
        "JOIN ex_p e ON e.id = c.person_id WHERE c.relationship = 'head' AND e.relationship = 'head' "
        "AND e.status = 'active' AND e.id NOT IN (SELECT id FROM ex_hidden) GROUP BY c.hh_key) x "
        "WHERE hh.hh_id IS NULL AND x.hh_key = hh.hh_key"
    )
    run.d(
        "UPDATE hh SET hh_id = x.h FROM (SELECT c.hh_key, min(c.hh_exist) AS h FROM conv c "
        "WHERE c.hh_exist IS NOT NULL AND c.person_id NOT IN (SELECT id FROM ex_hidden) GROUP BY c.hh_key "
        "HAVING count(DISTINCT c.hh_exist) = 1) x "
        "JOIN ex_h e ON e.id = x.h WHERE hh.hh_id IS NULL AND x.hh_key = hh.hh_key "
        "AND (e.kk_number = '' OR hh.kk_number = '')"
    )
    decide = _(
        "Periksa dulu apakah ini pecah KK, pindah, gabung atau salah ketik, catat perubahannya di halaman "
        "registri, lalu impor lagi."
    )
    add_errors(
        run,
        P_OTHER_HH,
        "SELECT h.first_row AS row_no, NULL AS o1, 'hh_key' AS k, "
        + q.msg(
            _("Rumah tangga terdaftar #%(id)s cocok dengan lebih dari satu rumah tangga di file (baris %(rows)s).")
            + " "
            + decide,
            id="h.hh_id",
            rows="d.rows",
        )
        + " AS m, h.hh_key AS b FROM hh h JOIN (SELECT hh_id, string_agg(CAST(first_row AS VARCHAR), ', ' "
        "ORDER BY first_row) AS rows FROM hh WHERE hh_id IS NOT NULL GROUP BY hh_id HAVING count(*) > 1) d "
        "ON d.hh_id = h.hh_id JOIN ex_h e ON e.id = h.hh_id AND e.visible",
    )
    add_errors(
        run,
        P_OTHER_HH,
        "SELECT c.row_no, NULL AS o1, 'relationship' AS k, "
        + q.msg(
            _(
                "Penduduk ini kepala keluarga rumah tangga terdaftar #%(id)s, tetapi di file ini tercatat di "
                "rumah tangga lain."
            )
            + " "
            + decide,
            id="c.hh_exist",
        )
        + " AS m, c.hh_key AS b FROM conv c JOIN hh h ON h.hh_key = c.hh_key JOIN ex_p e ON e.id = c.person_id "
        "JOIN ex_h o ON o.id = c.hh_exist AND o.visible WHERE e.relationship = 'head' AND e.status = 'active' "
        "AND c.hh_exist IS DISTINCT FROM h.hh_id AND e.id NOT IN (SELECT id FROM ex_hidden)",
    )


def classify(run: Import) -> None:
    hh_diff = " OR ".join(f"(e.{k} IS DISTINCT FROM hh.{k})" for k in HOUSEHOLD_KEYS)
    run.d("UPDATE hh SET is_new = hh_id IS NULL")
    run.d(
        f"UPDATE hh SET changed = ({hh_diff}), kk_changed = (e.kk_number <> hh.kk_number) FROM ex_h e "
        "WHERE e.id = hh.hh_id"
    )
    p_diff = " OR ".join(f"(e.{k} IS DISTINCT FROM c.{k})" for k in PERSON_KEYS)
    # ex_p holds each known person once (found by NIK, by name, or as a member of a matched household). A
    # person whose file household is another registered household, or a new one, moves (pecah KK).
    if run.one("SELECT count(*) FROM ex_p")[0]:
        run.d(
            f"CREATE OR REPLACE TABLE conv AS SELECT c.* REPLACE (CASE WHEN e.id IS NULL THEN c.p_changed "
            f"ELSE ({p_diff}) OR c.hh_exist IS DISTINCT FROM h.hh_id END AS p_changed) FROM conv c "
            "JOIN hh h ON h.hh_key = c.hh_key LEFT JOIN ex_p e ON e.id = c.person_id ORDER BY c.row_no"
        )
    new, updated, unchanged = run.one(
        "SELECT count(*) FILTER (WHERE c.person_id IS NULL), "
        "count(*) FILTER (WHERE c.person_id IS NOT NULL AND (c.p_changed OR h.changed)), "
        "count(*) FILTER (WHERE c.person_id IS NOT NULL AND NOT c.p_changed AND NOT h.changed) "
        "FROM conv c JOIN hh h ON h.hh_key = c.hh_key"
    )
    hh_new, hh_updated = run.one("SELECT count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE changed) FROM hh")
    r = run.result
    r.new, r.updated, r.unchanged = int(new), int(updated), int(unchanged)
    r.households_new, r.households_updated = int(hh_new), int(hh_updated)
    run.lap("classify")
