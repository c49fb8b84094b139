"""Judges #cloud-config documents with cloud-init's own code (Debian's
cloud-init package): its schema validation, as `cloud-init schema
--config-file` runs it, then its write_files module writing each document
into a scratch root, as cloud-init would on first boot (deferred entries
included).

usage: /usr/bin/python3 cloudinit_write_files.py ROOT USER_DATA...

Document I is written under ROOT/I. Owners are recorded, not applied (the
users need not exist here). Output, a line each:
  REFUSED <TAB> I <TAB> why        (the schema or write_files refused it)
  FILE <TAB> I <TAB> path <TAB> owner
"""
import os
import sys

from cloudinit import util
from cloudinit.config import cc_write_files
from cloudinit.config.schema import get_schema, validate_cloudconfig_file

root, documents = sys.argv[1], sys.argv[2:]
schema = get_schema()
for i, user_data in enumerate(documents):
    try:
        validate_cloudconfig_file(user_data, schema)
        with open(user_data, encoding="utf-8") as f:
            cfg = util.load_yaml(f.read())
        files = []
        for entry in cfg.get("write_files") or []:
            entry = dict(entry)
            print("FILE\t%d\t%s\t%s" % (i, entry.get("path"), entry.get("owner", "root:root")))
            entry["path"] = os.path.join(root, str(i)) + os.path.abspath(entry["path"])
            entry["owner"] = "root:root"
            files.append(entry)
        cc_write_files.write_files("write_files", files, "root:root")
    except Exception as e:  # the refusal, whatever cloud-init raised
        print("REFUSED\t%d\t%s" % (i, str(e).replace("\n", " ")))
