// A bot's calls from Node.js with the real @grpc/grpc-js and @grpc/proto-loader, compiling
// the upstream .proto files as they are (tests/test_node_client.py runs it).
//
//   node client.js <proto dir> <target> <api key> plaintext|tls
//
// tls: the channel trusts the default roots, as a bot written for the real endpoints does;
// the test points GRPC_DEFAULT_SSL_ROOTS_FILE_PATH at the mock's CA. Prints one JSON object of
// facts; exits 1 with the error on any failure.
"use strict";
const path = require("path");
const fs = require("fs");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");

const [protoDir, target, apiKey, mode] = process.argv.slice(2);
const DEADLINE_MS = 10000;

const files = fs.readdirSync(protoDir).filter((f) => f.endsWith(".proto"));
const definition = protoLoader.loadSync(files.map((f) => path.join(protoDir, f)), {
  includeDirs: [protoDir], keepCase: true, longs: String, enums: String, defaults: true,
  oneofs: true,
});
const hft = grpc.loadPackageDefinition(definition).hft;

let credentials;
if (mode === "tls") {   // as the official examples: TLS, the API key as an access token
  credentials = grpc.credentials.combineChannelCredentials(
    grpc.credentials.createSsl(),
    grpc.credentials.createFromMetadataGenerator((_, callback) => {
      const md = new grpc.Metadata();
      md.add("authorization", `Bearer ${apiKey}`);
      callback(null, md);
    }));
} else {
  credentials = grpc.credentials.createInsecure();
}
const auth = new grpc.Metadata();
if (mode !== "tls") auth.add("authorization", `Bearer ${apiKey}`);

const pub = new hft.PublicService(target, credentials);
const priv = new hft.PrivateService(target, credentials);
const options = () => ({ deadline: Date.now() + DEADLINE_MS });
const unary = (client, method, request, metadata = new grpc.Metadata()) =>
  new Promise((resolve, reject) =>
    client[method](request, metadata, options(), (err, reply) => (err ? reject(err) : resolve(reply))));
const firstMessage = (call) => new Promise((resolve, reject) => {
  const onData = (message) => { call.off("error", onError); resolve(message); };
  const onError = (err) => { call.off("data", onData); reject(err); };
  call.once("data", onData);
  call.once("error", onError);
});

async function main() {
  const facts = {};
  const books = await unary(pub, "GetOrderbooks", { assetPairId: "BTCUSD" });
  const book = books.payload[0];
  facts.snapshot = { asks: book.asks.map((x) => [x.p, x.v]), bids: book.bids.map((x) => [x.p, x.v]) };

  const stream = pub.GetOrderbookUpdates({ assetPairId: "BTCUSD" }, new grpc.Metadata(), options());
  stream.on("error", () => {});                 // the cancel below ends it with CANCELLED
  facts.streamSnapshot = (await firstMessage(stream)).bids.map((x) => [x.p, x.v]);
  const update = firstMessage(stream);

  const placed = await unary(priv, "PlaceLimitOrder",
    { assetPairId: "BTCUSD", side: "buy", volume: "0.1", price: "9995" }, auth);
  facts.placed = placed.error ? placed.error.message : Boolean(placed.payload.orderId);
  facts.streamUpdate = (await update).bids.map((x) => [x.p, x.v]);
  stream.cancel();

  const rejected = await unary(priv, "PlaceLimitOrder",
    { assetPairId: "BTCUSD", side: "buy", volume: "0.1", price: "-1" }, auth);
  facts.rejected = [rejected.error.code, rejected.error.message];
  const cancelled = await unary(priv, "CancelOrder", { orderId: placed.payload.orderId }, auth);
  facts.cancelled = cancelled.payload;

  const balances = await unary(priv, "GetBalances", {}, auth);
  facts.balances = Object.fromEntries(balances.payload.map((b) => [b.assetId, b.available]));
  pub.close();
  priv.close();
  console.log(JSON.stringify(facts));
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
