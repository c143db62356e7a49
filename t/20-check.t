# SPDX-License-Identifier: ISC
# sinetd -n: checks the configuration, prints every error as
# file:line: field: reason, binds nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use Sinetd;

my $dir = tempdir(CLEANUP => 1);
my $port = free_port();

sub run_check {
	my (@args) = @_;
	my $out = "$dir/out";
	my $err = "$dir/err";
	system("'" . sinetd_bin() . "' @args >$out 2>$err");
	return ($? >> 8, slurp($out), slurp($err));
}

write_file("$dir/good.conf", <<"EOF");
# every form of line -n must accept
127.0.0.1:$port stream tcp nowait nobody internal echo
[::1]:$port dgram udp6 wait nobody.nogroup internal echo
EOF
my ($rc, $out, $err) = run_check('-n', "$dir/good.conf");
is($rc, 0, 'a clean file exits 0');
is($out, "configuration OK\n", 'and says configuration OK');
is($err, '', 'and nothing else');
ok(port_free($port), '-n binds nothing');

write_file("$dir/bad.conf", <<"EOF");
127.0.0.1:$port stream tcp nowait nobody internal echo
echo stream tcpx nowait root internal
$port stream tcp nowait nosuchuser internal echo

daytime stream tcp nowait.0 root internal
EOF
($rc, $out, $err) = run_check('-n', "$dir/bad.conf");
is($rc, 1, 'a file with errors exits 1');
is($out, '', 'and does not say OK');
my @lines = split /\n/, $err;
is(scalar(@lines), 3, 'one line per error');
like($lines[0], qr{^\Q$dir\E/bad\.conf:2: protocol: unknown protocol "tcpx"},
    'file:line: field: reason (protocol)');
like($lines[1], qr{^\Q$dir\E/bad\.conf:3: user: unknown user "nosuchuser"},
    'file:line: field: reason (user)');
like($lines[2], qr{^\Q$dir\E/bad\.conf:5: wait: "0": the spawn limit},
    'file:line: field: reason (wait)');

($rc, $out, $err) = run_check('-n', "$dir/missing.conf");
is($rc, 1, 'a missing file exits 1');
like($err, qr{missing\.conf: cannot open: No such file}, 'and names the file');

($rc, $out, $err) = run_check('-n', '-u', 'nosuchuser', "$dir/good.conf");
is($rc, 1, 'an unknown -u user fails the check');
like($err, qr/-u: unknown user "nosuchuser"/, 'and says so');

($rc, $out, $err) = run_check('-Z');
is($rc, 2, 'an unknown option exits 2');
like($err, qr/^usage: sinetd \[-dEilnVW\]/m, 'with the usage');

($rc, $out, $err) = run_check('-n', '-o', 'idle-timeout=forever',
    "$dir/good.conf");
is($rc, 2, 'a bad -o value exits 2');
like($err, qr/idle-timeout=forever: not a duration/, 'and says why');

($rc, $out, $err) = run_check('-n', '-q', '0', "$dir/good.conf");
is($rc, 2, 'a backlog of 0 is refused');

# Policies: -n checks every file in the directory, used or not.
mkdir("$dir/policy");
write_file("$dir/policy/unused.policy", "syscalls read\ncaps cap_fly\n");
write_file("$dir/policy/$port.policy", "deny \@nosuchgroup\n");
write_file("$dir/policy/echo.policy", "syscalls accept openat\n");
($rc, $out, $err) = run_check('-n', '-P', "$dir/policy", "$dir/good.conf");
is($rc, 1, 'a policy error fails the check');
like($err, qr{^\Q$dir\E/policy/unused\.policy:2: caps: unknown capability "cap_fly"}m,
    'even in a file no service uses, with file:line: directive: reason');
like($err, qr{^\Q$dir\E/policy/$port\.policy:1: deny: unknown group "\@nosuchgroup"}m,
    'and in a service\'s own');
like($err, qr{^\Q$dir\E/policy/echo\.policy:1: syscalls: openat allows openat, wider than the built-in policy}m,
    'a builtin\'s file may not widen it');
($rc, $out, $err) = run_check('-P', "$dir/policy", '-v', "$port/tcp",
    "$dir/good.conf");
like($out, qr{^service: $port proto=tcp .*\npolicy: \Q$dir\E/policy/$port\.policy, which has errors$}m,
    '-v of a line whose policy has errors says so');
# The shipped directory: telnet moved to another port keeps telnet.policy,
# through the program's file.
{
	my $moved = free_port();
	write_file("$dir/moved.conf", "127.0.0.1:$moved stream tcp nowait root "
	    . "/usr/sbin/telnetd telnetd\n127.0.0.1:$moved dgram udp wait root "
	    . "/usr/sbin/in.tftpd in.tftpd -s /srv/tftp\n");
	my $shipped = "$FindBin::Bin/../policy";
	($rc, $out, $err) = run_check('-P', $shipped, '-v', "$moved/tcp",
	    "$dir/moved.conf");
	like($out, qr{^files read, in order: \Q$shipped/telnetd.policy $shipped/telnet.policy $shipped/default.policy\E$}m,
	    'telnetd on another port: the shipped telnetd.policy, so telnet.policy')
	    or diag($out . $err);
	($rc, $out, $err) = run_check('-P', $shipped, '-v', "$moved/udp",
	    "$dir/moved.conf");
	like($out, qr{^files read, in order: \Q$shipped/tftpd.policy $shipped/tftp.policy $shipped/default.policy\E$}m,
	    'in.tftpd on another port: tftpd.policy, so tftp.policy')
	    or diag($out . $err);
}
($rc, $out, $err) = run_check('-v', 'echo', "$dir/good.conf");
like($out, qr{^runs: echo \(internal\)\n(?:.*\n)*^kind: allow-list\n^action: kill\n^allows: .*\baccept4\b}m,
    '-v names an internal service by its builtin, and shows its allow-list');

my $ok = free_port();
write_file("$dir/two.conf", "127.0.0.1:$port stream tcp nowait nobody /bin/cat\n"
    . "127.0.0.1:$ok stream tcp nowait nobody /bin/cat\n");
unlink("$dir/policy/unused.policy", "$dir/policy/echo.policy");
my $d = Sinetd->start(args => ['-P', "$dir/policy"], conf => slurp("$dir/two.conf"));
like($d->log_text, qr/cannot start service=$port proto=tcp \S+ reason="its policy has errors"/,
    'at start, a service whose policy has errors does not start');
like($d->log_text, qr/ready: 1 services, 1 failed/, 'and is counted failed');
is(Sinetd::tcp_talk('127.0.0.1', $ok, "still\n", half_close => 1), "still\n",
    'the other serves');
is($d->stop >> 8, 0, 'clean stop');

# The worker is a binary of its own now: -X, the role flag it once was,
# is no option of the master's.
($rc, $out, $err) = run_check('-X');
is($rc, 2, 'sinetd -X is no option');
like($err, qr/^usage: sinetd /m, 'and gets the usage');
system("'" . build_dir() . "/sinetd-worker' >$dir/out 2>$dir/err");
is($? >> 8, 2, 'the worker refuses to run by hand');
like(slurp("$dir/err"), qr/worker that sinetd starts itself/, 'and says why');

# The pre-flight: the policy each line resolves to, the programs it runs,
# and what start-up would refuse, one line a problem. The programs live
# under the build directory: a /tmp would be a pre-flight problem itself.
my $pf = tempdir(DIR => build_dir(), CLEANUP => 1);
chmod(0755, $pf);
my ($bin, $pol) = ("$pf/bin", "$pf/policy");
mkdir($bin);
mkdir($pol);
chmod(0755, $bin);
for my $p (qw(in.sited in.comsat in.rexecd tcpd)) {
	write_file("$bin/$p", "#!/bin/sh\nexit 0\n");
	chmod(0755, "$bin/$p");
}
write_file("$pol/default.policy", default_policy());
write_file("$pol/telnet.policy", slurp("$FindBin::Bin/../policy/telnet.policy"));
write_file("$pol/sited.policy", "include telnet.policy\nallow keyctl\n");
write_file("$pol/biff.policy", "include default.policy\n");
write_file("$pol/exec.policy", "include default.policy\n");
my ($p1, $p2) = map { free_port() } 1 .. 2;
write_file("$pf/ok.conf", <<"EOF");
127.0.0.1:$p1 stream tcp nowait root $bin/in.sited in.sited
127.0.0.1:$p2 stream tcp nowait nobody $bin/tcpd $bin/in.sited
512 dgram udp wait root $bin/in.comsat in.comsat
512 stream tcp nowait root $bin/in.rexecd in.rexecd
EOF
sub show {
	my ($sel) = @_;
	return run_check('-P', $pol, '-v', $sel, "$pf/ok.conf");
}
($rc, $out, $err) = show($p1);
is($rc, 0, 'a service file on a shipped one on default.policy passes -n')
    or diag($err);
like($out, qr{^policy files tried, in order: \Q$pol/sited.policy\E$}m,
    '-v: the program\'s name (in.sited: sited.policy) is tried first');
like($out, qr{^files read, in order: \Q$pol/sited.policy $pol/telnet.policy $pol/default.policy\E$}m,
    '-v: the files read, in order, two includes deep');
like($out, qr/^kind: deny-list$/m, 'allow keeps the deny-list a deny-list');
my ($refused) = $out =~ /^refuses ENOSYS:(.*)$/m;
ok(defined $refused && $refused =~ /add_key/ && $refused !~ /keyctl/,
    'allow keyctl lifts the inherited refuse of keyctl, and only that')
    or diag($out);
like($out, qr{^exec: \Q$bin/in.sited\E \(the server program\)}m,
    '-v: what the line executes');
like($out, qr/^configuration OK$/m, 'and the check passes');

($rc, $out, $err) = show($p2);
like($out, qr{^policy files tried, in order: \Q$pol/sited.policy\E$}m,
    'a tcpd line is named after the program tcpd runs');
like($out, qr{^exec: \Q$bin/tcpd\E \(the server program\).*\n^exec: \Q$bin/in.sited\E \(the program tcpd runs\)}m,
    'and both execute: tcpd and its server');
($rc, $out, $err) = show('512/udp');
like($out, qr{^policy files tried, in order: \Q$pol/comsat.policy $pol/512.policy $pol/biff.policy\E$}m,
    '512/udp: the program, the port, then the name /etc/services gives it');
($rc, $out, $err) = show('512/tcp');
like($out, qr{^policy: \Q$pol/exec.policy\E$}m,
    '512/tcp is exec: biff and exec never share a file by accident');
write_file("$pf/share.conf", "512 dgram udp wait root $bin/in.sited in.x\n"
    . "512 stream tcp nowait root /bin/true true\n");
write_file("$pol/sited.policy", "include default.policy\n");
write_file("$pol/true.policy", "include default.policy\n");
write_file("$pol/512.policy", "include default.policy\n");
($rc, $out, $err) = run_check('-n', '-P', $pol, "$pf/share.conf");
is($rc, 0, 'lines of one number with their own programs\' files pass')
    or diag($err);
unlink("$pol/true.policy");
unlink("$pol/sited.policy");
($rc, $out, $err) = run_check('-n', '-P', $pol, "$pf/share.conf");
is($err, "$pf/share.conf:2: service: $pol/512.policy is also the policy of "
    . "$pf/share.conf:1, but 512/tcp is exec and 512/udp is biff: name the "
    . "file after each program, or exec.policy and biff.policy\n",
    'biff and exec sharing 512.policy by its number is said, once');
unlink("$pol/512.policy");
write_file("$pol/sited.policy", "include telnet.policy\nallow keyctl\n");
($rc, $out, $err) = show('nosuch');
is($rc, 1, '-v of a service no line has fails');
like($err, qr/^-v nosuch: no line of \S+ serves it$/m, 'and says so');

# One fixture per pre-flight message.
write_file("$bin/noexec", "#!/bin/sh\n");
chmod(0644, "$bin/noexec");
write_file("$bin/script", "#!/nonexistent/perl -w\n");
chmod(0755, "$bin/script");
my @q = map { free_port() } 1 .. 10;
write_file("$pol/$q[6].policy", "include default.policy\n"
    . join('', map { "fs-read /nonexistent/$_\n" } 1 .. 64));
write_file("$pol/$q[7].policy", "include default.policy\naction errno EPERM\n"
    . "refuse EPERM ptrace\n");
write_file("$pol/$q[8].policy", "include default.policy\naction errno ENOSYS\n");
write_file("$pol/loopa.policy", "include loopb.policy\n");
write_file("$pol/loopb.policy", "include loopa.policy\n");
write_file("$pf/bad.conf", <<"EOF");
127.0.0.1:$q[0] stream tcp nowait nobody $bin/nosuch nosuch
127.0.0.1:$q[1] stream tcp nowait nobody $bin/noexec noexec
127.0.0.1:$q[2] stream tcp nowait nobody $bin noexec
127.0.0.1:$q[3] stream tcp nowait nobody $bin/script script
127.0.0.1:$q[4] stream tcp nowait nobody $bin/tcpd in.nosuchd
127.0.0.1:$q[6] stream tcp nowait nobody $bin/in.rexecd in.rexecd
127.0.0.1:$q[7] stream tcp nowait nobody /bin/true true
127.0.0.1:$q[8] stream tcp nowait nobody /bin/false false
EOF
($rc, $out, $err) = run_check('-n', '-P', $pol, "$pf/bad.conf");
is($rc, 1, 'pre-flight problems fail the check');
is($out, '', 'and it does not say OK');
my @want = (
    qr{^\Q$pf\E/bad\.conf:1: server: \Q$bin\E/nosuch \(the server program\): No such file or directory$},
    qr{^\Q$pf\E/bad\.conf:2: server: \Q$bin\E/noexec \(the server program\) is not executable$},
    qr{^\Q$pf\E/bad\.conf:3: server: \Q$bin\E \(the server program\) is not a regular file$},
    qr{^\Q$pf\E/bad\.conf:4: server: /nonexistent/perl \(the #! interpreter of \Q$bin\E/script\): No such file or directory$},
    qr{^\Q$pf\E/bad\.conf:5: server: /usr/sbin/in\.nosuchd \(the program tcpd runs\): No such file or directory$},
    qr{^\Q$pol\E/$q[6]\.policy: fs-exec: cannot cover \Q$bin\E/in\.rexecd \(the server program\): the policy holds 64 paths already$},
    qr{^\Q$pol\E/loopa\.policy:1: include: include loop: \Q$pol/loopa.policy\E includes \Q$pol/loopb.policy\E includes \Q$pol/loopa.policy\E$},
);
my @lines2 = split /\n/, $err;
for my $re (@want) {
	is(scalar(grep { $_ =~ $re } @lines2), 1, "said once: $re");
}
# An errno action and a refuse of the same errno, or action errno ENOSYS
# beside the filter's own ENOSYS for clone3: each applies, at start-up as
# under -n, so neither is a problem.
ok(!grep({ m{/(?:$q[7]|$q[8])\.policy} } @lines2),
    'refuse EPERM under action errno EPERM, and action errno ENOSYS, apply');
is(scalar(@lines2), scalar(@want), 'one line a problem, nothing else')
    or diag($err);

SKIP: {
	skip 'private-tmp and chroot apply when run as root', 2 if !privileged();
	my $tmp = tempdir(DIR => '/tmp', CLEANUP => 1);
	chmod(0755, $tmp);
	write_file("$tmp/prog", "#!/bin/sh\n");
	chmod(0755, "$tmp/prog");
	mkdir("$pf/jail");
	my ($t1, $t2) = map { free_port() } 1 .. 2;
	# Its own private-tmp yes: under a checkout in /tmp the tests'
	# default.policy shares the host's /tmp (t/lib/Sinetd.pm).
	write_file("$pol/$t1.policy", "include default.policy\nprivate-tmp yes\n");
	write_file("$pol/$t2.policy", "include default.policy\nchroot $pf/jail\n");
	write_file("$pf/root.conf", "127.0.0.1:$t1 stream tcp nowait nobody $tmp/prog prog\n"
	    . "127.0.0.1:$t2 stream tcp nowait nobody /bin/true true\n");
	($rc, $out, $err) = run_check('-n', '-P', $pol, "$pf/root.conf");
	like($err, qr{^\Q$pf\E/root\.conf:1: server: \Q$tmp\E/prog \(the server program\) is under a /tmp that private-tmp of \Q$pol\E/$t1\.policy hides from the server$}m,
	    'a program in /tmp that private-tmp hides');
	like($err, qr{^\Q$pf\E/root\.conf:2: server: /bin/true \(the server program\): No such file or directory inside the chroot \Q$pf\E/jail$}m,
	    'a program missing inside the policy\'s chroot');
}

# -n refuses exactly what start-up would: what -n passed, start-up serves.
my $d2 = Sinetd->start(args => ['-P', $pol], conf =>
    "127.0.0.1:$q[8] stream tcp nowait nobody /bin/echo echo hi\n");
is(Sinetd::tcp_talk('127.0.0.1', $q[8], ''), "hi\n",
    'action errno ENOSYS: -n passed it, and start-up serves it');
$d2->stop;

done_testing();
