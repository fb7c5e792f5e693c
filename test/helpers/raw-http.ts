import { request } from 'node:http'

export interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

/** One raw HTTP request: the path is sent exactly as written (fetch would normalise ..); `from` a local address. */
export function rawRequest(host: string, port: number | string, rawPath: string, opts: { method?: string; headers?: Record<string, string>; from?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: rawPath, method: opts.method ?? 'GET', headers: opts.headers, agent: false, localAddress: opts.from }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}
