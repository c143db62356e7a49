# SPDX-License-Identifier: ISC
# What a configuration may be: a regular file (never a FIFO, a device or a
# directory, so no read blocks the master's loop), at most 16 MiB and
# 100,000 lines; its errors reported as the first 20 and a count; the
# internal services never without their empty chroot.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use POSIX qw(mkfifo);
use Test::More;
use Sinetd;

my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;

sub check {
	my (@args) = @_;
	my $out = `timeout 10 '${\ sinetd_bin()}' -n @args 2>&1`;
	return ($? >> 8, $out);
}

subtest 'not a regular file: refused, never read' => sub {
	mkfifo("$dir/fifo.conf", 0600) or die "mkfifo: $!";
	my ($rc, $out) = check("$dir/fifo.conf");
	is($rc, 1, 'a FIFO: refused, not waited on');
	like($out, qr/^\Q$dir\E\/fifo\.conf: not a regular file$/m, 'said so')
	    or diag($out);
	symlink('/dev/zero', "$dir/zero.conf");
	($rc, $out) = check("$dir/zero.conf");
	like($out, qr/^\Q$dir\E\/zero\.conf: not a regular file$/m,
	    'a link to /dev/zero: refused') or diag($out);

	my $pd = "$dir/policy";
	mkdir $pd;
	mkfifo("$pd/fifo.policy", 0600) or die "mkfifo: $!";
	mkfifo("$dir/inc.fifo", 0600) or die "mkfifo: $!";
	write_file("$pd/inc.policy", "include $dir/inc.fifo\n");
	write_file("$dir/empty.conf", '');
	($rc, $out) = check('-P', $pd, "$dir/empty.conf");
	is($rc, 1, 'policy FIFOs: refused');
	like($out, qr/fifo\.policy: not a regular file$/m, 'a policy file')
	    or diag($out);
	like($out, qr/inc\.policy:1: include: \Q$dir\E\/inc\.fifo: not a regular file$/m,
	    'an included one') or diag($out);

	my $port = free_port();
	my $d = Sinetd->start(conf =>
	    "127.0.0.1:$port stream tcp nowait nobody internal echo\n");
	my $conf = "$d->{dir}/inetd.conf";
	unlink($conf);
	mkfifo($conf, 0600) or die "mkfifo: $!";
	kill 'HUP', $d->pid;
	ok($d->wait_log(qr/reload refused: \S*inetd\.conf: not a regular file/,
	    10), 'a FIFO in place of inetd.conf: reload refused')
	    or diag($d->log_text);
	my ($crc) = $d->ctl('-k', 'status');
	is($crc, 0, 'status still answered');
	is(tcp_talk('127.0.0.1', $port, "x\n", half_close => 1), "x\n",
	    'the service answers');
	is($d->stop(5), 0, 'SIGTERM stops it, exit 0');
};

subtest 'a directory: no line 0' => sub {
	my ($rc, $out) = check($dir);
	is($rc, 1, 'refused');
	like($out, qr/^\Q$dir\E: is a directory$/m, 'said so') or diag($out);
	unlike($out, qr/:0:/, 'no line 0');
};

subtest 'size and line bounds' => sub {
	open my $fh, '>', "$dir/big.conf" or die;
	truncate($fh, 16 * 1024 * 1024 + 1) or die;
	close $fh;
	my ($rc, $out) = check("$dir/big.conf");
	is($rc, 1, 'over 16 MiB: refused');
	like($out, qr/^\Q$dir\E\/big\.conf: larger than 16777216 bytes$/m,
	    'said so') or diag(substr($out, 0, 500));
	write_file("$dir/long.conf", "#\n" x 100001);
	($rc, $out) = check("$dir/long.conf");
	is($rc, 1, 'over 100,000 lines: refused');
	like($out, qr/^\Q$dir\E\/long\.conf: more than 100000 lines$/m,
	    'said so') or diag(substr($out, 0, 500));

	my $port = free_port();
	my $d = Sinetd->start(conf =>
	    "127.0.0.1:$port stream tcp nowait nobody internal echo\n"
	    . "#\n" x 100001);
	like($d->log_text, qr/ready: 0 services/,
	    'at start: no service of that file starts') or diag($d->log_text);
	ok(!defined tcp_connect('127.0.0.1', $port), 'not listening');
	write_file($d->{conf},
	    "127.0.0.1:$port stream tcp nowait nobody internal echo\n");
	kill 'HUP', $d->pid;
	ok($d->wait_log(qr/reload done/, 10), 'a good file loads')
	    or diag($d->log_text);
	write_file($d->{conf},
	    "127.0.0.1:$port stream tcp nowait nobody internal echo\n"
	    . "#\n" x 100001);
	kill 'HUP', $d->pid;
	ok($d->wait_log(qr/reload refused: \S+: more than 100000 lines/, 10),
	    'on reload: refused as a whole') or diag($d->log_text);
	is(tcp_talk('127.0.0.1', $port, "x\n", half_close => 1), "x\n",
	    'the running service goes on');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'many errors: the first 20 and a count, memory given back' => sub {
	write_file("$dir/bad.conf", "bad\n" x 90000);
	my ($rc, $out) = check("$dir/bad.conf");
	is($rc, 1, 'refused');
	my @lines = split /\n/, $out;
	cmp_ok(scalar(@lines), '<=', 21, 'at most 21 lines');
	like($out, qr/^\.\.\. and 89980 more errors$/m, 'and a count')
	    or diag(substr($out, 0, 2000));

	my $port = free_port();
	my $d = Sinetd->start(conf =>
	    "127.0.0.1:$port stream tcp nowait nobody internal echo\n");
	my @before = $d->resources;
	write_file($d->{conf}, "bad\n" x 90000);
	kill 'HUP', $d->pid;
	ok($d->wait_log(qr/reload refused: \.\.\. and 89980 more errors/, 20),
	    'reload refused, with the count') or diag(substr($d->log_text, 0, 2000));
	cmp_ok($d->count_log(qr/reload refused/), '<=', 21,
	    'at most 21 lines logged');
	# ASan's quarantine holds freed memory by design: there, only the
	# descriptors can show what came back.
	my $slack = Sinetd::sanitized() ? 1 << 30 : 4096;
	ok($d->back_to(@before, $slack), Sinetd::sanitized() ?
	    'descriptors back (memory: not under ASan)' :
	    'memory back within 4 MiB')
	    or diag(join ' ', $d->resources, 'before:', @before);
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'an include loop: reported once' => sub {
	my $pd = "$dir/loop";
	mkdir $pd;
	write_file("$pd/10007.policy", "include 10007.policy\n");
	write_file("$dir/loop.conf",
	    "127.0.0.1:10007 stream tcp nowait nobody /bin/cat cat\n");
	my ($rc, $out) = check('-P', $pd, "$dir/loop.conf");
	is($rc, 1, 'refused');
	my @m = $out =~ /10007\.policy:1: include: /g;
	is(scalar(@m), 1, 'once') or diag($out);
};

subtest 'no empty chroot: the internal services do not start' => sub {
	plan skip_all => 'the empty chroot is made as root only' if !privileged();
	my $run = "$dir/run";
	mkdir $run;
	write_file("$run/sinetd-empty", "not a directory\n");
	my $port = free_port();
	my $d = Sinetd->start(pidfile => "$run/sinetd.pid", conf =>
	    "127.0.0.1:$port stream tcp nowait nobody internal echo\n");
	like($d->log_text, qr/ready: 0 services, 1 failed/,
	    'the internal service failed') or diag($d->log_text);
	ok(!defined tcp_connect('127.0.0.1', $port),
	    'never served without its chroot');
	my (undef, $st) = $d->ctl('-k', 'status');
	like($st, qr/chroot/, 'status says why') or diag($st);
	unlink("$run/sinetd-empty");
	kill 'HUP', $d->pid;
	ok($d->wait_log(qr/reload done/, 10), 'fixed, a reload')
	    or diag($d->log_text);
	is(tcp_talk('127.0.0.1', $port, "x\n", half_close => 1), "x\n",
	    'starts it, in its chroot');
	is($d->stop >> 8, 0, 'clean stop');
};
done_testing();
