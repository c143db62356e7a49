# SPDX-License-Identifier: ISC
# -l: hosts.allow and hosts.deny decide as Debian's libwrap does. Each
# case is a pair of rule files and a client; tcpdmatch (from tcpd) gives
# libwrap's verdict, and a real connection to sinetd from that client's
# address (127.0.0.x, ::1) must get the same. Host names come from a
# private /etc/hosts in a mount namespace of the test's own.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::IP;
use Socket qw(SOCK_STREAM SOCK_DGRAM SHUT_WR);
use Test::More;
use Sinetd;

plan skip_all => 'needs root (a private mount namespace for /etc/hosts)'
    if $> != 0;
plan skip_all => 'no tcpdmatch (make test-deps installs tcpd)'
    unless -x '/usr/sbin/tcpdmatch' && -x '/usr/sbin/tcpd';
unless ($ENV{SINETD_HOSTS_NS}) {
	my @ns = Sinetd::private_ns() or plan skip_all => $@;
	$ENV{SINETD_HOSTS_NS} = 1;
	exec(@ns, $^X, (map { "-I$_" } @INC), $0, @ARGV) or die "exec: $!";
}

# Names as the tests need them: shared.example.com is also first's
# alias, listed before it, so its forward lookup names another host:
# libwrap calls that name paranoid. 127.0.0.16 has no name.
my $etc = tempdir(CLEANUP => 1);
chmod(0755, $etc);
Sinetd::write_file("$etc/hosts", <<'EOF');
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
127.0.0.11	alpha.example.com alpha
127.0.0.12	beta.example.org
127.0.0.13	gamma
127.0.0.15	first.example.com shared.example.com
127.0.0.14	shared.example.com
127.0.0.17	delta.example.com
EOF
# No DNS: a name not in the file is unknown at once, for both.
Sinetd::write_file("$etc/nsswitch.conf", "hosts: files\n");
Sinetd::write_file("$etc/tcpd.allow", "");
Sinetd::write_file("$etc/tcpd.deny", "");
chmod(0644, glob("$etc/*"));
for (['hosts', '/etc/hosts'], ['nsswitch.conf', '/etc/nsswitch.conf'],
    ['tcpd.allow', '/etc/hosts.allow'], ['tcpd.deny', '/etc/hosts.deny']) {
	my ($from, $to) = @$_;
	unless (-e $to) {
		Sinetd::write_file($to, '');
	}
	system('mount', '--bind', "$etc/$from", $to) == 0
	    or BAIL_OUT("cannot bind $etc/$from on $to");
}

my %client = (
	alpha => ['127.0.0.11', 'alpha.example.com'],
	beta => ['127.0.0.12', 'beta.example.org'],
	gamma => ['127.0.0.13', 'gamma'],
	liar => ['127.0.0.14', 'shared.example.com'],
	nameless => ['127.0.0.16', '127.0.0.16'],
	delta => ['127.0.0.17', 'delta.example.com'],
	local => ['127.0.0.1', 'localhost'],
	fresh => ['127.0.0.19', '127.0.0.19'],	# refused first below
	v6 => ['::1', 'localhost'],
);

# [hosts.allow, hosts.deny, daemon, client, how, server]; how: tcp (the
# default) or udp; server: the address the client connects to, given to
# tcpdmatch as daemon@server (else it has none, and sinetd has it).
my @cases = (
	['', "ALL: ALL\n", 'echo', 'alpha'],
	["ALL: 127.0.0.11\n", "ALL: ALL\n", 'echo', 'alpha'],
	["echo: .example.com\n", "ALL: ALL\n", 'echo', 'alpha'],
	["echo: .example.com\n", "ALL: ALL\n", 'echo', 'beta'],
	["ALL: LOCAL\n", "ALL: ALL\n", 'echo', 'gamma'],
	["ALL: LOCAL\n", "ALL: ALL\n", 'echo', 'alpha'],
	["ALL: LOCAL\n", "ALL: ALL\n", 'echo', 'local'],
	["ALL: LOCAL\n", "ALL: ALL\n", 'echo', 'v6'],
	['', "ALL: PARANOID\n", 'echo', 'liar'],
	['', "ALL: PARANOID\n", 'echo', 'alpha'],
	["ALL: KNOWN\n", "ALL: ALL\n", 'echo', 'alpha'],
	["ALL: KNOWN\n", "ALL: ALL\n", 'echo', 'nameless'],
	["ALL: KNOWN\n", "ALL: ALL\n", 'echo', 'liar'],
	["ALL: UNKNOWN\n", "ALL: ALL\n", 'echo', 'nameless'],
	["ALL: UNKNOWN\n", "ALL: ALL\n", 'echo', 'alpha'],
	["ALL: 127.0.0.0/255.255.255.0\n", "ALL: ALL\n", 'echo', 'alpha'],
	["ALL: 127.0.0.8/255.255.255.248\n", "ALL: ALL\n", 'echo', 'alpha'],
	["ALL: 127.0.0.16/255.255.255.248\n", "ALL: ALL\n", 'echo', 'alpha'],
	["ALL: 127.0.0.0/8\n", "ALL: ALL\n", 'echo', 'alpha'],
	["ALL: 127.0.0.1/8\n", "ALL: ALL\n", 'echo', 'local'],
	["ALL: [::1]/128\n", "ALL: ALL\n", 'echo', 'v6'],
	["ALL: [fe80::]/10\n", "ALL: ALL\n", 'echo', 'v6'],
	["ALL: [::]/0\n", "ALL: ALL\n", 'echo', 'alpha'],
	["ALL: [::1]\n", "ALL: ALL\n", 'echo', 'v6'],
	["ALL: 127.0.0.\n", "ALL: ALL\n", 'echo', 'alpha'],
	["ALL: 10.\n", "ALL: ALL\n", 'echo', 'alpha'],
	["ALL: .example.com EXCEPT alpha.example.com\n", "ALL: ALL\n", 'echo',
	    'alpha'],
	["ALL: .example.com EXCEPT alpha.example.com\n", "ALL: ALL\n", 'echo',
	    'delta'],
	["ALL EXCEPT echo: ALL\n", "ALL: ALL\n", 'echo', 'alpha'],
	["ALL EXCEPT echo: ALL\n", "ALL: ALL\n", 'in.catd', 'alpha'],
	["ALL: ALL: deny\n", '', 'echo', 'alpha'],
	['', "ALL: ALL: allow\n", 'echo', 'alpha'],
	["ALL: ALL EXCEPT 127.0.0.0/8 EXCEPT 127.0.0.11\n", "ALL: ALL\n", 'echo',
	    'alpha'],
	["ALL: ALL EXCEPT 127.0.0.0/8 EXCEPT 127.0.0.11\n", "ALL: ALL\n", 'echo',
	    'beta'],
	["ALL: *.example.com\n", "ALL: ALL\n", 'echo', 'alpha'],
	["ALL: alph?.example.com\n", "ALL: ALL\n", 'echo', 'beta'],
	["ALL: alpha.example.com\n", "ALL: ALL\n", 'echo', 'alpha'],
	["in.catd: ALL\n", "ALL: ALL\n", 'in.catd', 'alpha'],
	["in.catd: ALL\n", "ALL: ALL\n", 'echo', 'alpha'],
	["ALL: ALL EXCEPT PARANOID\n", "ALL: ALL\n", 'echo', 'liar'],
	["ALL: KNOWN EXCEPT LOCAL\n", "ALL: ALL\n", 'echo', 'gamma'],
	["ALL: KNOWN EXCEPT LOCAL\n", "ALL: ALL\n", 'echo', 'alpha'],
	["ALL: [::1]/128 : deny\n", '', 'echo', 'v6'],
	["echo\@127.0.0.1: ALL\n", "ALL: ALL\n", 'echo', 'alpha', 'tcp',
	    '127.0.0.1'],
	["echo\@127.0.0.2: ALL\n", "ALL: ALL\n", 'echo', 'alpha', 'tcp',
	    '127.0.0.1'],
	["in.catd\@127.0.0.0/8: ALL\n", "ALL: ALL\n", 'in.catd', 'alpha', 'tcp',
	    '127.0.0.1'],
	["echo\@localhost: ALL\n", "ALL: ALL\n", 'echo', 'alpha', 'tcp',
	    '127.0.0.1'],
	["ALL: 127.0.0.12 \\\n\t127.0.0.11\n", "ALL: ALL\n", 'echo', 'alpha'],
	["ALL: ALL\@127.0.0.11\n", "ALL: ALL\n", 'echo', 'alpha'],
	["ALL: LOCAL, .example.org\n", "ALL: ALL\n", 'echo', 'beta'],
	['', "ALL: .EXAMPLE.COM\n", 'echo', 'alpha'],
	["# a comment\n\necho: gamma\n", "echo: ALL\n", 'echo', 'gamma'],
	["ALL: ALL : severity auth.info : deny\n", '', 'echo', 'alpha'],
	["ALL: LOCAL\n", "ALL: ALL\n", 'echo', 'local', 'udp'],
	["ALL: LOCAL\n", "ALL: ALL\n", 'echo', 'alpha', 'udp'],
	["ALL: .example.com\n", "ALL: ALL\n", 'in.catd', 'alpha'],
	["ALL: .example.com\n", "ALL: ALL\n", 'in.catd', 'beta'],
);

# tcpdmatch -d reads hosts.allow and hosts.deny here. A name it is
# given resolves to addresses, a block each: the one of ours decides.
my $tm = tempdir(CLEANUP => 1);
sub tcpdmatch {
	my ($allow, $deny, $daemon, $c, $server) = @_;
	$daemon .= "\@$server" if $server;
	Sinetd::write_file("$tm/hosts.allow", $allow);
	Sinetd::write_file("$tm/hosts.deny", $deny);
	my ($addr, $arg) = @{ $client{$c} };
	my $out = `cd $tm && /usr/sbin/tcpdmatch -d '$daemon' '$arg' 2>&1`;
	for my $block (split /\n\s*\n/, $out) {
		next unless $block =~ /^client:\s+address\s+(\S+)$/m && $1 eq $addr;
		return $1 if $block =~ /^access:\s+(granted|denied)$/m;
	}
	return "no verdict for $addr: $out";
}

my ($p_echo, $p_cat, $p_tcpd) = (free_port(), free_port(), free_port());
my $dir = tempdir(CLEANUP => 1);
my ($allow, $deny) = ("$dir/hosts.allow", "$dir/hosts.deny");
Sinetd::write_file($allow, '');
Sinetd::write_file($deny, '');
my $d = Sinetd->start(dir => $dir,
    args => ['-l', '-o', "hosts-allow=$allow", '-o', "hosts-deny=$deny"],
    conf => <<"EOF");
127.0.0.1:$p_echo stream tcp nowait nobody internal echo
[::1]:$p_echo stream tcp6 nowait nobody internal echo
127.0.0.1:$p_echo dgram udp wait nobody internal echo
127.0.0.1:$p_cat stream tcp nowait nobody /bin/cat in.catd
127.0.0.1:$p_tcpd stream tcp nowait nobody /usr/sbin/tcpd /bin/cat
EOF

my $loads = 1;
sub load_rules {
	my ($a, $b) = @_;
	Sinetd::write_file($allow, $a);
	Sinetd::write_file($deny, $b);
	kill('HUP', $d->pid);
	$loads++;
	Sinetd::wait_for(10, sub {
		$d->count_log(qr/hosts_access: rules=\d+/) >= $loads &&
		    $d->count_log(qr/reload done/) >= $loads - 1;
	}) or BAIL_OUT("the rules did not load:\n" . $d->log_text);
}

# load_rules for another daemon than $d.
sub load_rules_for {
	my ($daemon, $a, $b) = @_;
	my $before = $daemon->count_log(qr/hosts_access: rules=\d+/);
	Sinetd::write_file($allow, $a);
	Sinetd::write_file($deny, $b);
	kill('HUP', $daemon->pid);
	Sinetd::wait_for(10, sub {
		$daemon->count_log(qr/hosts_access: rules=\d+/) > $before &&
		$daemon->count_log(qr/reload done/) >=
		    $daemon->count_log(qr/reload signal=HUP/) }) or
	    BAIL_OUT("the rules did not load:\n" . $daemon->log_text);
}

# What sinetd does with a connection from $c: granted if it echoes.
sub verdict {
	my ($port, $c, $how) = @_;
	my $addr = $client{$c}[0];
	if (($how // 'tcp') eq 'udp') {
		my $r = Sinetd::udp_ask('127.0.0.1', $port, "ping\n",
		    local_host => $addr, timeout => 3);
		return defined $r && $r eq "ping\n" ? 'granted' : 'denied';
	}
	my $s = IO::Socket::IP->new(PeerHost => $addr =~ /:/ ? '::1' :
	    '127.0.0.1', PeerPort => $port, LocalHost => $addr,
	    Type => SOCK_STREAM, Timeout => 5) or return "connect: $@";
	syswrite($s, "ping\n");
	shutdown($s, SHUT_WR);
	my $got = Sinetd::read_some($s, 100, 5);
	close($s);
	return $got eq "ping\n" ? 'granted' : 'denied';
}

my ($n, $same) = (0, 0);
for my $case (@cases) {
	my ($a, $b, $daemon, $c, $how, $server) = @$case;
	my $want = tcpdmatch($a, $b, $daemon, $c, $server);
	load_rules($a, $b);
	my $port = $daemon eq 'in.catd' ? $p_cat : $p_echo;
	my $got = verdict($port, $c, $how);
	(my $show = "allow={$a} deny={$b}") =~ s/\n/\\n/g;
	$n++;
	$same++ if $got eq $want;
	is($got, $want, "$daemon from $c" . ($how ? " ($how)" : '')
	    . ($server ? " to $server" : '')
	    . ": $show: tcpdmatch says $want");
}
note("tcpdmatch corpus: $same of $n verdicts the same");
cmp_ok($n, '>=', 30, 'at least 30 rule/client pairs');
unlike($d->log_text, qr/policy violation|worker died|resolver is gone/,
    'no worker or resolver was killed on the way');

# Refusals are counted where only-from's are.
my (undef, $st) = $d->ctl('status', "127.0.0.1:$p_cat");
my ($refused) = ($st // '') =~ /^refused_access\s+(\d+)$/m;
cmp_ok($refused // 0, '>', 0, "sinetctl status counts them: refused_access $refused")
    or diag($st);

# The workers decide by what the master sent them, never by the files:
# with both gone (and no reload: -W), the rules that were loaded hold.
load_rules("echo: .example.com\n", "ALL: ALL\n");
unlink($allow, $deny);
is(verdict($p_echo, 'alpha'), 'granted', 'files gone: a name rule still grants');
is(verdict($p_echo, 'beta'), 'denied', 'files gone: the deny rule still refuses');

# A refusal names the rule that refused it, file and line (the line of
# a continued rule is its last, as libwrap counts).
load_rules("echo: 127.0.0.12\nALL: 127.0.0.19 \\\n : deny\n", '');
is(verdict($p_echo, 'fresh'), 'denied', 'refused by a deny option');
ok($d->wait_log(qr/connection refused peer=127\.0\.0\.19:\d+ reason=hosts_access daemon=echo rule=\Q$allow\E:3 why=/),
    'the log names the rule: file:line');

# Options sinetd cannot apply refuse what they match, said at load.
for my $opt ('spawn (/bin/echo %a) &', 'twist /bin/echo no', 'banners /etc',
    'rfc931', 'keepalive', 'umask 022', 'setenv A B', 'nosuchoption') {
	my $before = $d->count_log(qr/options: .*refused/);
	load_rules("echo: ALL : $opt\n", '');
	is(verdict($p_echo, 'alpha'), 'denied', "option \"$opt\": refused");
	ok($d->count_log(qr/\Q$allow\E:1: options: .*\(the connections it matches are refused\)/) > $before,
	    "option \"$opt\": said at load, with file:line");
}
load_rules("echo: ALL : severity local0.notice : allow\n", "ALL: ALL\n");
is(verdict($p_echo, 'alpha'), 'granted', 'severity then allow: granted');

# Netgroups, user@host (ident), /file patterns: refused when reached,
# never skipped (an EXCEPT would otherwise turn them into an allow).
for my $pat ('@trusted', 'ALL EXCEPT @trusted', 'root@127.0.0.11',
    '/etc/trusted.hosts') {
	load_rules('', "echo: $pat\n");
	is(verdict($p_echo, 'alpha'), 'denied', "deny \"$pat\": refused");
}

# A line through tcpd is checked once, by tcpd: sinetd's rules refuse
# all, tcpd's (the private /etc/hosts.allow, .deny) allow.
load_rules('', "ALL: ALL\n");
is(verdict($p_tcpd, 'alpha'), 'granted', 'through tcpd: sinetd does not check');
is(verdict($p_cat, 'alpha'), 'denied', 'the same rules refuse without tcpd');
Sinetd::write_file("$etc/tcpd.deny", "ALL: ALL\n");
is(verdict($p_tcpd, 'alpha'), 'denied', 'and tcpd checks it itself');
Sinetd::write_file("$etc/tcpd.deny", '');

# A file with an error of form: the reload is refused, the old rules
# stay; sinetd -n says file:line: field: reason and exits 1.
load_rules("echo: 127.0.0.11\n", "ALL: ALL\n");
Sinetd::write_file($allow, "echo 127.0.0.12\n");
kill('HUP', $d->pid);
ok($d->wait_log(qr/\Q$allow\E:1: daemon_list: missing ":" separator/),
    'a bad line: file:line: field: reason');
ok($d->wait_log(qr/reload refused: hosts_access files have errors/),
    'and the reload is refused');
is(verdict($p_echo, 'alpha'), 'granted', 'the old rules still decide');
is(verdict($p_echo, 'beta'), 'denied', 'the old rules still refuse');
my $out = `@{[Sinetd::sinetd_bin()]} -n -l -o hosts-allow=$allow -o hosts-deny=$deny -P $FindBin::Bin/../policy $dir/inetd.conf 2>&1`;
isnt($? >> 8, 0, 'sinetd -n -l: exit status 1');
like($out, qr/\Q$allow\E:1: daemon_list: missing ":" separator/,
    'sinetd -n -l names the line');
for my $bad ("ALL: 10.0.0.0/255.255.255.255\n", "ALL: 10.0.0.0/33\n",
    "ALL: [::1/64\n", "ALL: [::1]/129\n", "ALL: 1.2.3/8\n",
    "ALL: ALL\nALL: ALL") {
	Sinetd::write_file($allow, $bad);
	my $o = `@{[Sinetd::sinetd_bin()]} -n -l -o hosts-allow=$allow -o hosts-deny=$deny -P $FindBin::Bin/../policy $dir/inetd.conf 2>&1`;
	(my $show = $bad) =~ s/\n/\\n/g;
	like($o, qr/\Q$allow\E:\d+: (client_list|rules): \S/, "-n refuses \"$show\"")
	    and isnt($? >> 8, 0, "-n: exit 1 for \"$show\"");
}
Sinetd::write_file($allow, '');
is($d->stop >> 8, 0, 'clean stop');

# At start a file that does not load refuses every connection.
Sinetd::write_file($allow, "echo 127.0.0.11\n");
my $d2 = Sinetd->start(args => ['-l', '-o', "hosts-allow=$allow", '-o',
    "hosts-deny=$deny"], conf =>
    "127.0.0.1:$p_echo stream tcp nowait nobody internal echo\n");
like($d2->log_text, qr/did not load: every connection is refused/,
    'at start: a bad file is said');
is(verdict($p_echo, 'alpha'), 'denied', 'and refuses, failing closed');
is($d2->stop >> 8, 0, 'clean stop');

# The refresh on edit watches both files: an edit is applied unasked,
# to the workers already serving.
Sinetd::write_file($allow, "echo: 127.0.0.11\n");
Sinetd::write_file($deny, "ALL: ALL\n");
my $d3 = Sinetd->start(refresh => 1, args => ['-l', '-o',
    'refresh-delay=100ms', '-o', "hosts-allow=$allow", '-o',
    "hosts-deny=$deny"], conf =>
    "127.0.0.1:$p_echo stream tcp nowait nobody internal echo\n");
is(verdict($p_echo, 'alpha'), 'granted', 'refresh: granted before the edit');
my $workers = join(',', sort(Sinetd::children_of($d3->pid)));
Sinetd::write_file($allow, "echo: 127.0.0.12\n");
ok($d3->wait_log(qr/reload done/, 10), 'an edit of hosts.allow reloads');
is(verdict($p_echo, 'alpha'), 'denied', 'refresh: refused after it');
is(verdict($p_echo, 'beta'), 'granted', 'refresh: the new rule grants');
is(join(',', sort(Sinetd::children_of($d3->pid))), $workers,
    'by the workers that served before');
unlink($deny);
ok(Sinetd::wait_for(10, sub { $d3->count_log(qr/reload done/) >= 2 }),
    'removing hosts.deny reloads too');
is(verdict($p_echo, 'alpha'), 'granted', 'a missing hosts.deny is empty');
is($d3->stop >> 8, 0, 'clean stop');

# -l does not cost a pool per service: the internal services share one,
# and each socket is decided by its own daemon name, its own address
# (daemon@host) and counted in its own service.
{
	my ($pe, $pd, $pc) = (free_port(), free_port(), free_port());
	Sinetd::write_file($allow, "echo: ALL\n");
	Sinetd::write_file($deny, "ALL: ALL\n");
	my $d4 = Sinetd->start(args => ['-l', '-o', "hosts-allow=$allow", '-o',
	    "hosts-deny=$deny"], conf => <<"EOF");
127.0.0.1:$pe stream tcp nowait nobody internal echo
127.0.0.2:$pe stream tcp nowait nobody internal echo
127.0.0.1:$pe dgram udp wait nobody internal echo
127.0.0.1:$pd stream tcp nowait nobody internal daytime
127.0.0.1:$pc stream tcp nowait nobody /bin/cat in.catd
[::1]:$pc stream tcp6 nowait nobody /bin/cat in.catd
EOF
	my (undef, $st) = $d4->ctl('-k', 'status');
	my %pool;
	for (split /\n/, $st // '') {
		$pool{"$1 $2"} = $3 if /^service=\S+ proto=(\S+) addr=(\S+) .* pool=(\d+)/;
	}
	my @internal = map { $pool{$_} // 'none' } ("tcp 127.0.0.1:$pe",
	    "tcp 127.0.0.2:$pe", "udp 127.0.0.1:$pe", "tcp 127.0.0.1:$pd");
	is(scalar(keys %{{ map { $_ => 1 } @internal }}), 1,
	    "under -l the four internal services share one pool (@internal)")
	    or diag($st);
	is($pool{"tcp 127.0.0.1:$pc"} // 'a', $pool{"tcp6 [::1]:$pc"} // 'b',
	    'and the two sockets of one external line one more');
	my $daytime = sub {
		my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1',
		    PeerPort => $pd, LocalHost => $client{$_[0]}[0],
		    Type => SOCK_STREAM, Timeout => 5) or return "connect: $@";
		my $got = Sinetd::read_some($s, 100, 5);
		return length($got) > 0 ? 'granted' : 'denied';
	};
	is(verdict($pe, 'alpha'), 'granted', 'in the shared pool: echo is allowed');
	is(verdict($pe, 'alpha', 'udp'), 'granted', 'and so is its UDP socket');
	is($daytime->('alpha'), 'denied', 'daytime, beside it, is refused by its own name');
	ok($d4->wait_log(qr/connection refused peer=127\.0\.0\.11:\d+ reason=hosts_access daemon=daytime rule=\Q$deny\E:1 /),
	    'the refusal names daytime');
	my $count = sub {
		my ($addr) = @_;
		my (undef, $t) = $d4->ctl('-k', 'status');
		my ($n) = ($t // '') =~ /^service=\S+ proto=tcp addr=\Q$addr\E .*refused_access=(\d+)/m;
		return $n // -1;
	};
	is($count->("127.0.0.1:$pd"), 1, 'counted in daytime\'s status');
	is($count->("127.0.0.1:$pe"), 0, 'not in echo\'s');
	is(verdict($pc, 'alpha'), 'denied', 'in.catd is refused by its name');
	load_rules_for($d4, "daytime: ALL\necho\@127.0.0.2: ALL\n", "ALL: ALL\n");
	is($daytime->('alpha'), 'granted', 'the rules turned: daytime is allowed');
	is(verdict($pe, 'alpha'), 'denied', 'echo on 127.0.0.1 is refused');
	my $s = IO::Socket::IP->new(PeerHost => '127.0.0.2', PeerPort => $pe,
	    LocalHost => $client{alpha}[0], Type => SOCK_STREAM, Timeout => 5);
	my $got = '';
	if ($s) {
		syswrite($s, "ping\n");
		shutdown($s, SHUT_WR);
		$got = Sinetd::read_some($s, 100, 5);
	}
	is($got, "ping\n", 'and echo@127.0.0.2 on its own socket is allowed, in the same pool');
	# A rule that needs the client's name: decided after the lookup,
	# and still logged as daytime's, not as the pool's. From a client
	# not refused before: a source's refusal is said once a minute.
	load_rules_for($d4, '', "daytime: beta.example.org\n");
	is($daytime->('beta'), 'denied', 'a name rule refuses daytime after the lookup');
	ok($d4->wait_log(qr/from worker service=$pd proto=tcp addr=127\.0\.0\.1:$pd pid=\d+ msg="connection refused peer=127\.0\.0\.12:\d+ reason=hosts_access daemon=daytime /),
	    'and its line is daytime\'s') or diag($d4->log_text);
	unlike($d4->log_text, qr/policy violation|worker died|resolver is gone/,
	    'no worker or resolver was killed on the way');
	is($d4->stop >> 8, 0, 'clean stop');
}
done_testing();
