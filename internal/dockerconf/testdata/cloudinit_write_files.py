"""Writes a #cloud-config document's write_files into a scratch root with
cloud-init's own code (Debian's cloud-init package), as cloud-init would on
first boot, deferred entries included.

usage: /usr/bin/python3 cloudinit_write_files.py USER_DATA ROOT

Each path is written under ROOT; owners are recorded, not applied (the
users need not exist here): stdout has one "path<TAB>owner" line a file.
"""
import os
import sys

from cloudinit import util
from cloudinit.config import cc_write_files

user_data, root = sys.argv[1], sys.argv[2]
with open(user_data, encoding="utf-8") as f:
    cfg = util.load_yaml(f.read())
if not isinstance(cfg, dict):
    sys.exit("user-data is not a cloud-config mapping")
files = []
for entry in cfg.get("write_files") or []:
    entry = dict(entry)
    print("%s\t%s" % (entry.get("path"), entry.get("owner", "root:root")))
    entry["path"] = root + os.path.abspath(entry["path"])
    entry["owner"] = "root:root"
    files.append(entry)
cc_write_files.write_files("write_files", files, "root:root")
