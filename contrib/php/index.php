<?php
/*
 * meek-c PHP reflector: the middle hop of meek for ordinary web hosting.
 *
 * Forwards each POST's body, X-Session-Id and Content-Type to a meek-server,
 * adds Meek-IP with the client's address (meek-server trusts it when started
 * with --meek-ip-from this web server's address), and copies the status,
 * Content-Type and body back.  Nothing is logged.  Deploy: copy this file as
 * index.php into a directory served over HTTPS, and set MEEK_SERVER_URL
 * below (or as an environment / FastCGI parameter).  Clients then use
 * url=https://your.host/that/directory/ in their bridge line.
 *
 * meek-c's protocol extension (doc/protocol.md): a request with X-Meek-Ext
 * is forwarded with that header, a body of up to 1 MiB (and frame heads),
 * and its answer comes back with X-Meek-Ext and Cache-Control, piece by
 * piece as meek-server sends it (flushed at once, "X-Accel-Buffering: no"):
 * a streamed download lives up to 50 s and a long-poll is held up to 20 s,
 * each holding one PHP worker meanwhile.  Requests without X-Meek-Ext are
 * classic meek, handled exactly as before (64 KiB, buffered).  The answer
 * to a request with X-Meek-Ext streams only if nothing between here and the
 * client buffers it; otherwise meek-client notices (no first frame within
 * 2 s) and falls back to long-polls, then to classic meek.  What that needs:
 *
 *   nginx + php-fpm:  in the location that runs this file
 *       client_max_body_size 1100k;   # 1 MiB bodies and their frame heads
 *       fastcgi_buffering off;        # (X-Accel-Buffering: no also does it)
 *       fastcgi_read_timeout 120s;    # above the 50 s stream and 20 s hold
 *       fastcgi_send_timeout 120s;
 *       gzip off;                     # compression buffers
 *     php-fpm pool: request_terminate_timeout = 0 (or above 120s), and
 *       pm.max_children for one held request per session plus the uploads
 *       beside it.
 *   php.ini: post_max_size >= 2M; output_buffering and
 *     zlib.output_compression are switched off below at run time.
 *   Apache + mod_php: no mod_deflate for this directory; Timeout above
 *     120 s.  A CDN in front must not buffer responses either.
 *   php -S (tests only): PHP_CLI_SERVER_WORKERS=4 or more, since a stream
 *     holds a worker.
 *
 * curl is used when PHP has it; otherwise a plain socket (classic requests
 * use PHP's http:// wrapper, which buffers, as before).
 */

$MEEK_SERVER_URL = getenv('MEEK_SERVER_URL') ?: 'https://meek-server.example.com/';
const MEEK_BODY_MAX = 65536;            // classic meek's limit
const MEEK_EXT_BODY_MAX = 1052672;      // extension: 1 MiB and frame heads
const MEEK_TIMEOUT = 20;
const MEEK_EXT_TIMEOUT = 120;           // a 50 s stream, a 20 s hold, slack

function meek_fail($status, $text)
{
	http_response_code($status);
	header('Content-Type: text/plain');
	echo $text, "\n";
	exit;
}

$method = $_SERVER['REQUEST_METHOD'] ?? 'GET';
if ($method === 'GET' || $method === 'HEAD') {
	header('Content-Type: text/plain');
	if ($method === 'GET')
		echo "I'm just a happy little web server.\n";
	exit;
}
if ($method !== 'POST') {
	header('Allow: GET, HEAD, POST');
	meek_fail(405, 'Method Not Allowed');
}

$sid = $_SERVER['HTTP_X_SESSION_ID'] ?? '';
if (strlen($sid) < 8 || preg_match('/[\x00-\x1f\x7f]/', $sid))
	meek_fail(400, 'Bad Request');
$ext = $_SERVER['HTTP_X_MEEK_EXT'] ?? null;
if ($ext !== null && preg_match('/[\x00-\x1f\x7f]/', $ext))
	meek_fail(400, 'Bad Request');
$max = $ext === null ? MEEK_BODY_MAX : MEEK_EXT_BODY_MAX;
$len = $_SERVER['CONTENT_LENGTH'] ?? '';
if ($len !== '' && (int)$len > $max)
	meek_fail(413, 'Payload Too Large');
$body = file_get_contents('php://input', false, null, 0, $max + 1);
if ($body === false)
	meek_fail(400, 'Bad Request');
if (strlen($body) > $max)
	meek_fail(413, 'Payload Too Large');

$headers = ['X-Session-Id: ' . $sid, 'Meek-IP: ' . ($_SERVER['REMOTE_ADDR'] ?? '')];
if (isset($_SERVER['CONTENT_TYPE']) && !preg_match('/[\r\n]/', $_SERVER['CONTENT_TYPE']))
	$headers[] = 'Content-Type: ' . $_SERVER['CONTENT_TYPE'];

if ($ext !== null) {
	$headers[] = 'X-Meek-Ext: ' . $ext;
	meek_ext($MEEK_SERVER_URL, $headers, $body);
	exit;
}

$status = 0;
$ctype = null;
$out = null;
if (function_exists('curl_init')) {
	$ch = meek_curl_post($MEEK_SERVER_URL, $headers, $body, [
		CURLOPT_RETURNTRANSFER => true,
		CURLOPT_TIMEOUT => MEEK_TIMEOUT,
	]);
	$out = curl_exec($ch);
	if ($out !== false) {
		$status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
		$ctype = curl_getinfo($ch, CURLINFO_CONTENT_TYPE);
	}
	curl_close($ch);
} else {
	$ctx = stream_context_create(['http' => [
		'method' => 'POST',
		'header' => implode("\r\n", array_merge($headers, ['Connection: close'])),
		'content' => $body,
		'timeout' => MEEK_TIMEOUT,
		'ignore_errors' => true,
		'follow_location' => 0,
		'protocol_version' => 1.1,
	]]);
	$out = @file_get_contents($MEEK_SERVER_URL, false, $ctx);
	foreach ($http_response_header ?? [] as $h) {
		if (preg_match('#^HTTP/\S+\s+(\d{3})#', $h, $m))
			$status = (int)$m[1];
		elseif (stripos($h, 'Content-Type:') === 0)
			$ctype = trim(substr($h, 13));
	}
}

if ($out === false || $status === 0)
	meek_fail(502, 'Bad Gateway');
http_response_code($status);
header('Content-Type: ' . ($ctype ?: 'application/octet-stream'));
echo $out;
exit;

/*
 * The extension's pass-through.  Its state: the upstream status and the
 * headers passed back (lower-case names), whether our head went out.
 */
final class MeekExt
{
	public $status = 0;
	public $hdr = [];
	public $sent = false;
	public $failed = false;

	/* One upstream header line (or the status line). */
	public function line($line)
	{
		$line = rtrim($line, "\r\n");
		if (preg_match('#^HTTP/\S+\s+(\d{3})#', $line, $m)) {
			$this->status = (int)$m[1];
			$this->hdr = [];
		} elseif (($p = strpos($line, ':')) !== false) {
			$this->hdr[strtolower(trim(substr($line, 0, $p)))] =
			    trim(substr($line, $p + 1));
		}
	}

	/* Our response head, once: the status and the headers that matter. */
	public function head()
	{
		if ($this->sent)
			return;
		$this->sent = true;
		http_response_code($this->status);
		header('Content-Type: ' . ($this->hdr['content-type'] ?? 'application/octet-stream'));
		foreach (['x-meek-ext' => 'X-Meek-Ext', 'cache-control' => 'Cache-Control'] as $k => $name)
			if (isset($this->hdr[$k]))
				header($name . ': ' . $this->hdr[$k]);
		header('X-Accel-Buffering: no');
		if (isset($this->hdr['content-length']) &&
		    !isset($this->hdr['transfer-encoding']))
			header('Content-Length: ' . (int)$this->hdr['content-length']);
	}

	/* A piece of the body: out at once.  false when the client left. */
	public function piece($data)
	{
		$this->head();
		echo $data;
		flush();
		return !connection_aborted();
	}
}

function meek_ext($url, $headers, $body)
{
	/* Every piece must leave as it comes: no output buffer, no
	 * compression, no time limit (a stream lives 50 s); stop when the
	 * client goes away. */
	set_time_limit(0);
	ignore_user_abort(false);
	@ini_set('zlib.output_compression', '0');
	while (ob_get_level() > 0)
		ob_end_clean();
	ob_implicit_flush(true);

	$x = new MeekExt();
	if (function_exists('curl_init'))
		meek_ext_curl($x, $url, $headers, $body);
	else
		meek_ext_socket($x, $url, $headers, $body);
	if (!$x->sent) {
		if ($x->failed || $x->status === 0)
			meek_fail(502, 'Bad Gateway');
		$x->head();
	}
	/* A response cut short after its head went out just ends: the
	 * client sees frames cut short or no END, and resumes. */
}

/* A curl handle that POSTs $body with $headers to $url the way both relays
 * do (no "Expect: 100-continue", no redirects followed), with the options
 * $opts on top. */
function meek_curl_post($url, $headers, $body, $opts)
{
	$ch = curl_init($url);
	curl_setopt_array($ch, [
		CURLOPT_POST => true,
		CURLOPT_POSTFIELDS => $body,
		CURLOPT_HTTPHEADER => array_merge($headers, ['Expect:']),
		CURLOPT_FOLLOWLOCATION => false,
	] + $opts);
	return $ch;
}

function meek_ext_curl($x, $url, $headers, $body)
{
	$ch = meek_curl_post($url, $headers, $body, [
		CURLOPT_TIMEOUT => MEEK_EXT_TIMEOUT,
		CURLOPT_CONNECTTIMEOUT => MEEK_TIMEOUT,
		CURLOPT_HEADERFUNCTION => function ($ch, $line) use ($x) {
			$x->line($line);
			return strlen($line);
		},
		CURLOPT_WRITEFUNCTION => function ($ch, $data) use ($x) {
			return $x->piece($data) ? strlen($data) : 0;
		},
	]);
	if (curl_exec($ch) === false)
		$x->failed = true;
	curl_close($ch);
}

/* Without curl: HTTP/1.1 over a socket (tls:// for https, certificate
 * checked), the chunked body decoded here; PHP's http:// wrapper would
 * hold pieces back until 8 KiB had come. */
function meek_ext_socket($x, $url, $headers, $body)
{
	$u = parse_url($url);
	if ($u === false || !isset($u['host'])) {
		$x->failed = true;
		return;
	}
	$https = strtolower($u['scheme'] ?? 'http') === 'https';
	$port = $u['port'] ?? ($https ? 443 : 80);
	$path = ($u['path'] ?? '/') . (isset($u['query']) ? '?' . $u['query'] : '');
	$host = $u['host'] . (isset($u['port']) ? ':' . $u['port'] : '');
	$ctx = stream_context_create(['ssl' => [
		'peer_name' => trim($u['host'], '[]'),
		'verify_peer' => true,
		'verify_peer_name' => true,
	]]);
	$fp = @stream_socket_client(($https ? 'tls://' : 'tcp://') . $u['host'] . ':' . $port,
	    $errno, $errstr, MEEK_TIMEOUT, STREAM_CLIENT_CONNECT, $ctx);
	if ($fp === false) {
		$x->failed = true;
		return;
	}
	stream_set_timeout($fp, MEEK_EXT_TIMEOUT);
	$req = "POST $path HTTP/1.1\r\nHost: $host\r\nContent-Length: " . strlen($body) .
	    "\r\nConnection: close\r\n" . implode("\r\n", $headers) . "\r\n\r\n" . $body;
	for ($off = 0; $off < strlen($req); $off += $n) {
		$n = @fwrite($fp, substr($req, $off, 1 << 20));
		if ($n === false || $n === 0) {
			fclose($fp);
			$x->failed = true;
			return;
		}
	}
	do {
		$line = fgets($fp, 8192);
		if ($line === false) {
			fclose($fp);
			$x->failed = true;
			return;
		}
		if (rtrim($line, "\r\n") !== '')
			$x->line($line);
		elseif ($x->status >= 100 && $x->status < 200)
			$x->status = 0;     // an interim answer: the real one follows
	} while (rtrim($line, "\r\n") !== '' || $x->status === 0);
	$chunked = stripos($x->hdr['transfer-encoding'] ?? '', 'chunked') !== false;
	$left = $chunked ? 0 : (isset($x->hdr['content-length']) ?
	    (int)$x->hdr['content-length'] : -1);
	if (!$chunked && $left === 0 || $x->status === 204 || $x->status === 304) {
		fclose($fp);
		return;
	}
	$x->head();
	flush();
	while (true) {
		if ($chunked && $left === 0) {
			$line = fgets($fp, 1024);
			if ($line === false)
				break;
			$left = hexdec(trim(explode(';', $line)[0]));
			if ($left === 0)
				break;          // the last chunk: trailers do not matter
		}
		$want = $left > 0 ? min($left, 65536) : 65536;
		$data = fread($fp, $want);
		if ($data === false || $data === '') {
			if ($left < 0 && feof($fp))
				break;          // a body read to EOF ended
			if (feof($fp) || stream_get_meta_data($fp)['timed_out'])
				break;
			continue;
		}
		if ($left > 0)
			$left -= strlen($data);
		if (!$x->piece($data))
			break;
		if ($chunked && $left === 0 && fgets($fp, 16) === false)
			break;
		if (!$chunked && $left === 0)
			break;
	}
	fclose($fp);
}
