"""An independent WebSocket API v1 client (Python `websockets`), used by python-client.test.ts.

It speaks to the gateway exactly as an existing Zeek client would and prints one JSON object with
what it saw. Python ints are unbounded, so 64-bit values are checked without any JS number path.
"""
import asyncio
import json
import sys

import websockets

MAX_COUNT = 18446744073709551615


def event(topic, name, args):
    return {
        "type": "data-message",
        "topic": topic,
        "@data-type": "vector",
        "data": [
            {"@data-type": "count", "data": 1},
            {"@data-type": "count", "data": 1},
            {"@data-type": "vector", "data": [{"@data-type": "string", "data": name}, {"@data-type": "vector", "data": args}]},
        ],
    }


async def main(url):
    out = {}
    async with websockets.connect(url, additional_headers={"X-Application-Name": "py-client"}) as ws:
        await ws.send(json.dumps(["/py/out/", "/py/out/deeper/"]))
        out["ack"] = json.loads(await ws.recv())
        # Published right after the ack: must not be lost.
        await ws.send(json.dumps(event("/py/in/", "ping", [
            {"@data-type": "string", "data": "hello from python \u00fc"},
            {"@data-type": "count", "data": MAX_COUNT},
            {"@data-type": "integer", "data": -9223372036854775808},
        ])))
        out["pong"] = json.loads(await ws.recv())
        # Checked here, where integers are exact: the 64-bit extremes survived JSON -> binary -> JSON.
        args = out["pong"]["data"][2]["data"][1]["data"]
        out["exact_64bit"] = args[1]["data"] == MAX_COUNT and args[2]["data"] == -(2**63)
        await ws.send("{not json")
        out["error"] = json.loads(await ws.recv())
        await ws.send(json.dumps({"topic": "/py/in/", "@data-type": "count", "data": 1}))
        out["error2"] = json.loads(await ws.recv())
        pong = await ws.ping(b"py-ping")
        await pong
        out["ping_answered"] = True
    out["close_code"] = ws.close_code
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
