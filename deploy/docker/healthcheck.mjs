// The image's HEALTHCHECK: healthy when the service's /health/ready answers 200.
const port = process.env.HTTP_PORT || '3000';
try {
  const response = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(4000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
