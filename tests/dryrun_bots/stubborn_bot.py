"""A bot for the runner's tests: it writes what it was given (arguments and LYKKE_* variables)
to the file named by its first argument, makes one REST call (so a lockstep clock starts),
then ignores SIGTERM and waits for ever: the runner must kill it."""
import json
import os
import signal
import sys
import urllib.request

signal.signal(signal.SIGTERM, signal.SIG_IGN)
with open(sys.argv[1], "w") as f:
    json.dump({"argv": sys.argv[2:], "env": {k: v for k, v in os.environ.items()
                                             if k.startswith(("LYKKE_", "MOCK_LYKKE_"))}}, f)
urllib.request.urlopen(os.environ["LYKKE_REST"] + "/api/isalive").close()
while True:
    signal.pause()
