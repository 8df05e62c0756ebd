// Stands in for: a corporate certificate authority, or a TLS-inspecting proxy's CA.
// A throwaway certificate authority, made at test time: a root CA and server
// certificates it signs, as a corporate CA or TLS-inspecting proxy would.
// Keys come from Node's crypto (fast); node-forge writes the certificates.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface ServerCertificate {
  readonly key: string;
  readonly cert: string;
}

export interface TestCertificateAuthority {
  /** The root certificate, PEM: what NODE_EXTRA_CA_CERTS points to. */
  readonly caPem: string;
  /** A server certificate for these host names (and IP addresses), signed by the CA. */
  issue(names: readonly string[]): ServerCertificate;
}

function newKeyPair(): { privatePem: string; keys: forge.pki.rsa.KeyPair } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    privatePem,
    keys: {
      privateKey: forge.pki.privateKeyFromPem(privatePem),
      publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    },
  };
}

function baseCertificate(publicKey: forge.pki.PublicKey): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  return cert;
}

export function createCertificateAuthority(): TestCertificateAuthority {
  const ca = newKeyPair();
  const caCert = baseCertificate(ca.keys.publicKey);
  const caName = [{ name: 'commonName', value: 'fusion-token-action test root CA' }];
  caCert.setSubject(caName);
  caCert.setIssuer(caName);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.keys.privateKey, forge.md.sha256.create());

  return {
    caPem: forge.pki.certificateToPem(caCert),
    issue(names) {
      const server = newKeyPair();
      const cert = baseCertificate(server.keys.publicKey);
      cert.setSubject([{ name: 'commonName', value: names[0] ?? 'localhost' }]);
      cert.setIssuer(caName);
      cert.setExtensions([
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: names.map((name) => (/^[\d.]+$/.test(name) ? { type: 7, ip: name } : { type: 2, value: name })),
        },
      ]);
      cert.sign(ca.keys.privateKey, forge.md.sha256.create());
      return { key: server.privatePem, cert: forge.pki.certificateToPem(cert) };
    },
  };
}
