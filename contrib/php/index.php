<?php
/*
 * meek-c PHP reflector: the middle hop of meek for ordinary web hosting.
 *
 * Forwards each POST's body, X-Session-Id and Content-Type to a meek-server,
 * adds Meek-IP with the client's address, and copies the status,
 * Content-Type and body back.  Nothing is logged.  Deploy: copy this file as
 * index.php into a directory served over HTTPS, and set MEEK_SERVER_URL
 * below (or as an environment / FastCGI parameter).  Clients then use
 * url=https://your.host/that/directory/ in their bridge line.
 */

$MEEK_SERVER_URL = getenv('MEEK_SERVER_URL') ?: 'https://meek-server.example.com/';
const MEEK_BODY_MAX = 65536;
const MEEK_TIMEOUT = 20;

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
$len = $_SERVER['CONTENT_LENGTH'] ?? '';
if ($len !== '' && (int)$len > MEEK_BODY_MAX)
	meek_fail(413, 'Payload Too Large');
$body = file_get_contents('php://input', false, null, 0, MEEK_BODY_MAX + 1);
if ($body === false)
	meek_fail(400, 'Bad Request');
if (strlen($body) > MEEK_BODY_MAX)
	meek_fail(413, 'Payload Too Large');

$headers = ['X-Session-Id: ' . $sid, 'Meek-IP: ' . ($_SERVER['REMOTE_ADDR'] ?? '')];
if (isset($_SERVER['CONTENT_TYPE']) && !preg_match('/[\r\n]/', $_SERVER['CONTENT_TYPE']))
	$headers[] = 'Content-Type: ' . $_SERVER['CONTENT_TYPE'];

$status = 0;
$ctype = null;
$out = null;
if (function_exists('curl_init')) {
	$ch = curl_init($MEEK_SERVER_URL);
	curl_setopt_array($ch, [
		CURLOPT_POST => true,
		CURLOPT_POSTFIELDS => $body,
		CURLOPT_HTTPHEADER => array_merge($headers, ['Expect:']),
		CURLOPT_RETURNTRANSFER => true,
		CURLOPT_TIMEOUT => MEEK_TIMEOUT,
		CURLOPT_FOLLOWLOCATION => false,
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
