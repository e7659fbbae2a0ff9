"""A bot for the sweep tests: `sweep_bot.py crash|run PRICE-BOT-ARGS...`. `crash` makes one
REST call (so a lockstep clock starts), says why on stderr and exits with 3; `run` becomes
the price bot (exec: the same process, so the runner's CPU probe sees it)."""
import os
import sys
import urllib.request

BOTS = os.path.dirname(os.path.abspath(__file__))

if sys.argv[1] == "crash":
    urllib.request.urlopen(os.environ["LYKKE_REST"] + "/api/isalive").close()
    print("sweep_bot: boom", file=sys.stderr)
    sys.exit(3)
os.execv(sys.executable, [sys.executable, os.path.join(BOTS, "price_bot.py"), *sys.argv[2:]])
