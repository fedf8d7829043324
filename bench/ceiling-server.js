#!/usr/bin/env node
// The ceiling of one Node process on this machine: node:http answering a fixed JSON body.
const http = require('http');
const body = JSON.stringify({ id: 'a_01JD7Z8Q0W3V5Y9K2M4N6P8R0T', name: 'Fixed answer', price: 1299, currency: 'USD' });
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.env.PORT || 3199), '127.0.0.1', () => console.log('ceiling server ready'));
