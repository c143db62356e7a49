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
like($err, qr/^usage: sinetd \[-dEilnW\]/m, 'with the usage');

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

($rc, $out, $err) = run_check('-X');
is($rc, 2, 'the worker role refuses to run by hand');
like($err, qr/worker that sinetd starts itself/, 'and says why');

done_testing();
