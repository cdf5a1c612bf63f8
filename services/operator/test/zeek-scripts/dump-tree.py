"""Parses Zeek scripts with zeekscript (Zeek's tree-sitter grammar) and prints one JSON object.

Usage: python dump-tree.py FILE...
Output: {"FILE": {"ok": bool, "error": str|null, "tree": NODE}} where NODE is
{"type": str, "text": str (leaves only), "children": [NODE...]}; comments and other
concrete-syntax-only nodes are left out. The operator's tests walk these trees; this script
only translates zeekscript's parse into JSON and judges nothing itself.
"""

import json
import sys

import zeekscript


def to_json(node, source):
    children = [to_json(c, source) for c in node.children]
    out = {"type": node.type}
    if not children:
        out["text"] = source[node.start_byte : node.end_byte].decode("utf-8")
    else:
        out["children"] = children
    return out


def main(paths):
    result = {}
    for path in paths:
        script = zeekscript.Script(path)
        ok = script.parse()
        error = None
        if not ok:
            line, lineno, msg = script.get_error()
            error = f"line {lineno}: {msg}: {line}"
        result[path] = {"ok": ok, "error": error, "tree": to_json(script.root, script.source)}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
