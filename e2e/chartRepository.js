// A private Helm chart repository for the end-to-end test: serves the files of one folder over
// HTTPS with basic auth, on a free loopback port that it prints. Its own process, because the
// tests wait on the Pulumi and Helm CLIs synchronously, which would stall a server in theirs.
//   node e2e/chartRepository.js <folder> <key.pem> <cert.pem> <user> <password>
"use strict";
const fs = require("fs");
const https = require("https");
const path = require("path");

const [folder, key, cert, user, password] = process.argv.slice(2);
const expected = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (request, response) => {
    const file = path.join(folder, path.basename(request.url ?? ""));
    if (request.headers.authorization !== expected) {
        response.writeHead(401, { "WWW-Authenticate": 'Basic realm="charts"' }).end();
    } else if (!fs.existsSync(file)) {
        response.writeHead(404).end();
    } else {
        response.writeHead(200).end(fs.readFileSync(file));
    }
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
