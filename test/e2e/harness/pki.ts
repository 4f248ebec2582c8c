import { execFile } from 'node:child_process';
import { generateKeyPair, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const generateKeyPairAsync = promisify(generateKeyPair);

/** Files the apiserver needs for TLS and for signing ServiceAccount tokens. */
export interface ClusterPki {
  caCertPath: string;
  /** The CA certificate as PEM, for clients and kubeconfigs. */
  caData: string;
  servingCertPath: string;
  servingKeyPath: string;
  serviceAccountPublicKeyPath: string;
  serviceAccountPrivateKeyPath: string;
}

// Our own config, so the result does not depend on the system openssl.cnf
// (whose default extensions would clash with ours).
const OPENSSL_CONFIG = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = flux-pipelines-e2e-ca
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[serving_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
authorityKeyIdentifier = keyid
`;

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd: dir });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('openssl is not installed; the e2e harness uses it to make the test CA and serving certificate');
    }
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
  }
}

/**
 * Makes a throwaway CA, a serving certificate for 127.0.0.1/localhost signed by
 * it (ECDSA P-256, valid a week) and an RSA key pair for ServiceAccount tokens,
 * all in `dir`.
 */
export async function generateClusterPki(dir: string): Promise<ClusterPki> {
  await writeFile(join(dir, 'openssl.cnf'), OPENSSL_CONFIG);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(dir, ['req', '-x509', '-new', '-config', 'openssl.cnf', '-extensions', 'ca_ext', ...ec,
    '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '7']);
  await openssl(dir, ['req', '-new', '-config', 'openssl.cnf', '-subj', '/CN=kube-apiserver', ...ec,
    '-keyout', 'serving.key', '-out', 'serving.csr']);
  await openssl(dir, ['x509', '-req', '-in', 'serving.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key',
    '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '7',
    '-extfile', 'openssl.cnf', '-extensions', 'serving_ext', '-out', 'serving.crt']);

  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const serviceAccountPublicKeyPath = join(dir, 'sa.pub');
  const serviceAccountPrivateKeyPath = join(dir, 'sa.key');
  await writeFile(serviceAccountPublicKeyPath, publicKey);
  await writeFile(serviceAccountPrivateKeyPath, privateKey, { mode: 0o600 });

  return {
    caCertPath: join(dir, 'ca.crt'),
    caData: await readFile(join(dir, 'ca.crt'), 'utf8'),
    servingCertPath: join(dir, 'serving.crt'),
    servingKeyPath: join(dir, 'serving.key'),
    serviceAccountPublicKeyPath,
    serviceAccountPrivateKeyPath,
  };
}
