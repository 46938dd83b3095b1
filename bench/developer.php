<?php
/*
 * PHP-FPM baseline for scripts/bench: the work of portal-fcgi's `GET /api/v1/developer`, written the way
 * a PHP application on shared hosting does it (one PDO connection per request, opcache on), against the
 * portal's own SQLite file opened read-only:
 *
 *   portal by Host (custom or default domain, else the default portal) → `portal_session` cookie →
 *   SHA-256 → the live session (absolute and idle expiry) joined to its approved developer → the same
 *   JSON as the Swift reply ({id, created_at, updated_at, consumer: {id}, status, email, meta}).
 *
 * With `?pdo=persistent` the connection is a persistent PDO instead (kept by each FPM child across
 * requests, so SQLite parses the schema once per child rather than once per request): PHP at its best.
 *
 * What it leaves out: the Swift app also refreshes the session's last_seen_at once a minute (a write,
 * at most once per session per minute, so nothing in a 10 s run) and revokes an expired session; this
 * script only reads. The database path is the pool's env[PORTAL_DATABASE].
 */
declare(strict_types=1);

const IDLE_TIMEOUT = 7200; // session.idle_timeout_seconds in scripts/lib.sh's write_config
const KONG_STATUS = ['approved' => 0, 'pending' => 1, 'rejected' => 2, 'revoked' => 3, 'invited' => 4, 'unverified' => 5];

function reply(int $status, string $body): void
{
    http_response_code($status);
    header('Content-Type: application/json; charset=utf-8');
    header('Cache-Control: no-store');
    echo $body;
}

/** A time as the portal stores it (GRDB's text format, UTC, milliseconds). */
function db_time(float $t): string
{
    $seconds = (int) floor($t);
    return gmdate('Y-m-d H:i:s', $seconds) . sprintf('.%03d', (int) (($t - $seconds) * 1000));
}

function epoch(string $stored): int
{
    return (int) strtotime($stored . ' UTC');
}

$token = $_COOKIE['portal_session'] ?? '';
if ($token === '') {
    reply(401, '{"message":"Unauthorized"}');
    return;
}

$db = new PDO('sqlite:' . getenv('PORTAL_DATABASE'), null, null, [
    PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
    PDO::ATTR_TIMEOUT => 5,
    PDO::SQLITE_ATTR_OPEN_FLAGS => PDO::SQLITE_OPEN_READONLY,
    PDO::ATTR_PERSISTENT => ($_GET['pdo'] ?? '') === 'persistent',
]);

$host = strtolower(explode(':', $_SERVER['HTTP_HOST'] ?? '')[0]);
$portal = $db->prepare('SELECT id FROM portals WHERE custom_domain = :h OR default_domain = :h OR is_default = 1
                        ORDER BY (custom_domain = :h OR default_domain = :h) DESC LIMIT 1');
$portal->execute([':h' => $host]);
$portalID = $portal->fetchColumn();
if ($portalID === false) {
    reply(404, '{"message":"Not found"}');
    return;
}

$now = microtime(true);
$session = $db->prepare(
    'SELECT d.id, d.created_at, d.updated_at, d.consumer_id, d.status, d.email, d.meta
     FROM sessions s JOIN developers d ON d.id = s.developer_id
     WHERE s.token_hash = :hash AND s.portal_id = :portal AND s.expires_at > :now AND s.last_seen_at > :idle'
);
$session->execute([
    ':hash' => hash('sha256', $token),
    ':portal' => $portalID,
    ':now' => db_time($now),
    ':idle' => db_time($now - IDLE_TIMEOUT),
]);
$d = $session->fetch(PDO::FETCH_ASSOC);
if ($d === false || $d['status'] !== 'approved') {
    reply(401, '{"message":"Unauthorized"}');
    return;
}

reply(200, json_encode([
    'id' => $d['id'],
    'created_at' => epoch($d['created_at']),
    'updated_at' => epoch($d['updated_at']),
    'consumer' => ['id' => $d['consumer_id']],
    'status' => KONG_STATUS[$d['status']],
    'email' => $d['email'],
    'meta' => $d['meta'],
], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE));
