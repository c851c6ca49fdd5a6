"""Figure 7: `signlang audit` on the starter keypoints as first collected, wall time.

The data audited is version 1 of the starter keypoints: multisigner-258 without its
ShivaNagalla.npz and SoyaChunkz+ToxicShot09.npz (the version 2 corrections), plus
keypoints/audit-cases/ and audit-cases-leak/ (what version 2 removed): about 4,900 windows.
The time covers reading the folders through ingest, the audit and writing every report and
picture (`signlang.audit.folders.audit_folders`), in this process; the target is under 60 s on the
machine's cores. The row's raw numbers also say which of the version 2 corrections the audit
found. --quick: the same, on the audit cases plus 4 version 2 signers.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import TYPE_CHECKING

from bench.common import MULTISIGNER, Context, Row, timed

if TYPE_CHECKING:
    from signlang.audit.scoring import AuditResult

TARGET_S = 60.0
# Version 2 files that version 1 held in another form (audit-cases / audit-cases-leak hold it).
CORRECTED = ("ShivaNagalla.npz", "SoyaChunkz+ToxicShot09.npz")
AUDIT_CASES = ("keypoints/audit-cases", "keypoints/audit-cases-leak")
QUICK_SIGNERS = ("hirak214", "daita-sur", "AdrLfv", "techgeekshinobi")
FIGURE = "7. dataset audit (signlang audit), starter keypoints version 1"


def version_one(ctx: Context, folder: Path) -> list[Path]:
    """Folders that hold version 1: version 2 linked file by file without the corrected files
    (all of them, or --quick's few signers), and the two audit-case folders."""
    folder.mkdir(parents=True, exist_ok=True)
    for npz in sorted((ctx.shared_data / MULTISIGNER).glob("*.npz")):
        if npz.name not in CORRECTED and (not ctx.quick or npz.stem in QUICK_SIGNERS):
            (folder / npz.name).symlink_to(npz.resolve())
    return [folder, *(ctx.shared_data / case for case in AUDIT_CASES)]


def cases_found(result: AuditResult) -> dict[str, str]:
    """The version 2 corrections and how the audit flagged each (empty: not found)."""
    blocks, pairs = result.blocks, result.pairs
    flags = {(signer, label): ";".join(f) for signer, label, f in zip(blocks.signer, blocks.label, blocks["issues"])}
    same = pairs[(pairs.flag == "same_person")]
    leak = any({a, b} == {"SoyaChunkz", "ToxicShot09"} for a, b in zip(same.signer_a, same.signer_b))
    cases = {"yunlisa96 " + label: flags.get(("yunlisa96", label), "") for label in ("no", "sorry", "yes")}
    cases.update({f"ShivaNagalla {label}": flags.get(("ShivaNagalla", label), "")
                  for label in ("please", "sorry", "thanks")})
    cases.update({f"{signer} {label}": flags.get((signer, label), "") for signer, label in (
        ("G4CiO", "no"), ("F1zzy", "no"), ("AD-Codex", "no"), ("NishitPatel25", "iloveyou"), ("Murugan-mady", "sorry"))})
    cases["SoyaChunkz + ToxicShot09"] = "same_person" if leak else ""
    return cases


def measure(ctx: Context) -> list[Row]:
    from signlang.audit.folders import audit_folders

    params = ctx.params()
    folders = version_one(ctx, ctx.temp_dir("audit-data-") / "multisigner-258")
    out = ctx.temp_dir("audit-out-")
    ctx.log(f"bench: auditing {', '.join(map(str, folders))} ...")
    with contextlib.redirect_stdout(io.StringIO()):
        result, seconds = timed(lambda: audit_folders(folders, out, params))
    cases = cases_found(result)
    found = sum(bool(flag) for flag in cases.values())
    windows = len(result.data.ids)
    flagged = int(sum(bool(issues) for issues in result.blocks["issues"]))
    return [Row(FIGURE, seconds, None, "s", None, target=f"< {TARGET_S:.0f} s", met=seconds < TARGET_S,
                note=f"{windows} windows, {len(result.blocks)} blocks, {flagged} flagged; version 2 corrections "
                     f"found: {found}/{len(cases)}",
                raw={"windows": windows, "blocks": len(result.blocks), "flagged": flagged, "cases": cases})]
