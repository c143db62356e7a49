# SPDX-License-Identifier: ISC
# sinetctl status as an operator reads it: the header and the table of a
# known configuration, word for word with what varies (pids, times, ports,
# paths) masked; the long form of one service with its open session; every
# line within 80 columns however long a name, a cut cell marked '+'; -k
# still the key=value lines.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp;
use IO::Socket::IP;
use Test::More;
use Sinetd;

my $sleep = -x '/usr/bin/sleep' ? '/usr/bin/sleep' : '/bin/sleep';
my ($echo, $kid, $off) = (free_port(), free_port(), free_port());
my $conf = "127.0.0.1:$echo stream tcp nowait nobody internal echo\n"
    . "[::1]:$echo stream tcp nowait nobody internal echo\n"
    . "127.0.0.1:$echo dgram udp wait nobody internal echo\n"
    . "127.0.0.1:$kid stream tcp nowait/4/0/2 nobody $sleep sleep 30\n"
    . "127.0.0.1:$off stream tcp nowait nobody internal discard\n";
my $pdir = File::Temp::tempdir(CLEANUP => 1);
write_file("$pdir/default.policy", Sinetd::default_policy());
my $d = Sinetd->start(conf => $conf,
    args => [ '-o', 'workers=1', '-P', $pdir ]);
my @children;

# What varies from run to run, replaced by words of the same width, so
# that the columns the golden text shows are the ones a run had.
sub masked {
	my ($out) = @_;
	my $dir = $d->dir;
	# A deep temporary directory (a package build's) makes the lines
	# that name it longer than 80 columns, and status cuts them with a
	# '+': such a line is put back whole when what is left of it is the
	# start of the line expected, so that the golden text holds at any
	# depth.
	my @whole = ("config:    $dir/inetd.conf", "policies:  $pdir",
	    "defined at        $dir/inetd.conf:4");
	$out =~ s{^(.{79})\+$}{
		my $cut = $1;
		my ($w) = grep { index($_, $cut) == 0 } @whole;
		$w // $&;
	}mge;
	$out =~ s/\Q$dir\E/DIR/g;
	$out =~ s/\Q$pdir\E/PDIR/g;
	$out =~ s/\b$echo\b/ECHO_/g;
	$out =~ s/\b$kid\b/CHILD/g;
	$out =~ s/\b$off\b/OFF__/g;
	$out =~ s/^(sinetd: +)version \S+, pid \d+$/${1}version V, pid P/m;
	$out =~ s/^(started: +)\d{4}-\d\d-\d\dT\S+Z, up \d.*$/${1}S, up T/m;
	$out =~ s/^(reload: +)\d{4}-\d\d-\d\dT\S+Z \(.*? ago\)$/${1}TIME (T ago)/m;
	return $out;
}

is(tcp_talk('127.0.0.1', $echo, "x\n", half_close => 1), "x\n", 'an echo');
is(tcp_talk('127.0.0.1', $echo, "y\n", half_close => 1), "y\n",
    'and another');
my $s = tcp_connect('127.0.0.1', $kid) or die "connect: $!";
my $local = $s->sockport;
my ($rc, $out) = $d->ctl('disable', "127.0.0.1:$off");
is($rc, 0, 'one service disabled');
tcp_talk('127.0.0.1', $off, "z", timeout => 2);	# refused: counted
ok(wait_for(5, sub {
	(undef, $out) = $d->ctl('-k', 'status', $kid);
	# spawned is counted once the exec is known to have worked.
	$out =~ /children=1 / && $out =~ / spawned=1 /;
}), 'the child server runs');
push @children, $out =~ /^  child pid=(\d+)/m;
ok(wait_for(5, sub {
	(undef, $out) = $d->ctl('-k', 'status', "127.0.0.1:$off");
	$out =~ /refused_disabled=1 /;
}), 'the refusal is counted');

($rc, $out) = $d->ctl('status');
is($rc, 0, 'status: exit 0');
like($out, qr/^sinetd: +version \S+, pid ${\ $d->pid}$/m, 'the daemon\'s pid');
# The totals count processes: the four internal services share one pool
# (one worker, -o workers=1) since pools follow sandboxes, where each had
# its own (5 workers then); each row still shows the workers serving it.
is(masked($out), <<"END", 'status: the header and the table');
sinetd:    version V, pid P
started:   S, up T
config:    DIR/inetd.conf
policies:  PDIR
reload:    none since start
totals:    5 services, 2 workers, 1 child, 4 accepted, 1 refused
states:    4 listening, 1 disabled

SERVICE PROTO ADDRESS   STATE     WAIT   USER   POLICY   WK CH ACCEPTED REFUSED
ECHO_   tcp   127.0.0.1 listening nowait nobody internal  1  0        2       0
ECHO_   tcp   ::1       listening nowait nobody internal  1  0        0       0
ECHO_   udp   127.0.0.1 listening wait   nobody internal  1  0        0       0
CHILD   tcp   127.0.0.1 listening nowait nobody default   1  1        1       0
OFF__   tcp   127.0.0.1 disabled  nowait nobody internal  1  0        1       1
END

# After a reload, the header says when and how it went.
($rc) = $d->ctl('reload');
is($rc, 0, 'a reload');
(undef, $out) = $d->ctl('status');
like(masked($out), qr/^reload:    TIME \(T ago\)\nresult:    done: kept=5 changed=0 added=0 removed=0 failed=0\n/m,
    'the header: the last reload and its result');

# The long form: every counter, the limits, the session with its peer.
($rc, $out) = $d->ctl('status', "127.0.0.1:$kid");
is($rc, 0, 'status SERVICE: exit 0');
my $long = masked($out);
$long =~ s/^(workers +)\d+$/${1}W/m;
$long =~ s/^(pool +)\d+$/${1}N/m;	# which pool serves it: a line of its own
$long =~ s/^  \d+ +(127\.0\.0\.1:)\d+ +\S+Z \(\S+\)$/  PID $1PORT SINCE/m;
is($long, <<"END", 'status SERVICE: the long form');
service           CHILD
address           127.0.0.1:CHILD
proto             tcp stream nowait
state             listening
user              nobody
program           $sleep
argv              sleep 30
policy            default
defined at        DIR/inetd.conf:4
limits            max-child 4, max-cpm 0, max-perip 2, spawns/min 256 (0: none)
pool              N
workers           W
children          1
accepted          1
spawned           1
exec_failed       0
refused_suspended 0
refused_cpm       0
refused_perip     0
refused_access    0
refused_guard     0
refused_disabled  0
full              0
rate_trips        0
violations        0
sessions          1
  PID      PEER                         SINCE
  PID 127.0.0.1:PORT SINCE
END
like($out, qr/^  $children[0] +127\.0\.0\.1:$local /m,
    'the session: the child\'s pid and our port') if @children;

# An internal service: no server limits to show, no process a session.
(undef, $out) = $d->ctl('status', "[::1]:$echo");
unlike($out, qr/^limits/m, 'an internal service: no limits line');
like($out, qr/^sessions +served inside the workers, no process each$/m,
    'and its sessions are inside its workers');
like($out, qr/^address +\[::1\]:$echo$/m, 'the one selected');

# -k: the key=value lines, one a service, as before.
($rc, $out) = $d->ctl('-k', 'status');
is(scalar(() = $out =~ /^service=/mg), 5, '-k: one key=value line a service');
like($out, qr/^reload at=\S+ result="done: /m, '-k: and the reload line');

close($s);
kill('TERM', @children) if @children;
is($d->stop >> 8, 0, 'stopped');

# A line of two addresses is two services: a selector with one of them
# selects that one, not both (disable and enable select the same way).
subtest 'one address of a line' => sub {
	my $p = free_port();
	my $w = Sinetd->start(
	    conf => "127.0.0.1,[::1]:$p stream tcp nowait nobody internal echo\n",
	    args => [ '-o', 'workers=1' ]);
	my (undef, $out) = $w->ctl('-k', 'status', "127.0.0.1:$p");
	is(join(' ', $out =~ /^service=\S+ proto=\S+ addr=(\S+)/mg),
	    "127.0.0.1:$p", '127.0.0.1:PORT selects the IPv4 one');
	(undef, $out) = $w->ctl('-k', 'status', "[::1]:$p");
	is(join(' ', $out =~ /^service=\S+ proto=\S+ addr=(\S+)/mg),
	    "[::1]:$p", '[::1]:PORT the IPv6 one');
	(undef, $out) = $w->ctl('-k', 'status', $p);
	is(scalar(() = $out =~ /^service=/mg), 2, 'the port alone both');
	my ($rc) = $w->ctl('disable', "127.0.0.1:$p");
	is($rc, 0, 'disable 127.0.0.1:PORT');
	is(tcp_talk('::1', $p, "v6\n", half_close => 1), "v6\n",
	    'the IPv6 one still serves');
	is($w->stop >> 8, 0, 'stopped');
};

# A service that could not bind: failed in the table, why in the long form.
subtest 'a failed service' => sub {
	my ($busy, $ok) = (free_port(), free_port());
	my $l = IO::Socket::IP->new(LocalHost => '127.0.0.1', LocalPort => $busy,
	    Listen => 1, ReuseAddr => 1) or die "listen: $!";
	my $f = Sinetd->start(conf =>
	    "127.0.0.1:$busy stream tcp nowait nobody internal echo\n"
	    . "127.0.0.1:$ok stream tcp nowait nobody internal echo\n",
	    args => [ '-o', 'workers=1' ]);
	my (undef, $out) = $f->ctl('status');
	like($out, qr/^states:    1 listening, 1 failed$/m, 'the header counts it');
	like($out, qr/^$busy +tcp +127\.0\.0\.1 +failed +nowait +nobody +internal +0 +0 +0 +0$/m,
	    'its row: failed, no workers');
	(undef, $out) = $f->ctl('status', $busy);
	like($out, qr/^state +failed: bind: Address already in use$/m,
	    'the long form says why');
	is($f->stop >> 8, 0, 'stopped');
	close($l);
};

# However long the names, every line stays within 80 columns, and what is
# cut says so.
subtest 'the 80-column rule' => sub {
	my $dir = File::Temp::tempdir(CLEANUP => 1);
	my $name = ('a-very-long-unix-socket-name-' x 2) . 'x';
	# Within sun_path (108 bytes), however deep the temporary directory.
	my $room = 107 - length("$dir/");
	$name = substr($name, -$room) if length($name) > $room;
	my $sock = "$dir/$name";
	my $p = free_port();
	my $conf = "$sock stream unix nowait nobody $sleep sleep 1\n"
	    . "127.0.0.1:$p stream tcp nowait nobody internal echo\n";
	my $w = Sinetd->start(conf => $conf, args => [ '-o', 'workers=1' ]);
	for my $args ([ 'status' ], [ 'status', $sock ], [ 'status', $p ]) {
		my ($rc, $out) = $w->ctl(@$args);
		is($rc, 0, "@$args: exit 0");
		my @long = grep { length > 80 } split /\n/, $out;
		is(scalar(@long), 0, "@$args: no line past 80 columns")
		    or diag(join("\n", @long));
	}
	my (undef, $out) = $w->ctl('status');
	my ($head, @rows) = grep { /^(?:SERVICE|\S+ +(?:tcp|unix) )/ }
	    split /\n/, $out;
	like($rows[0], qr{^\+\S*name-x unix }, 'a long path is cut, its end kept');
	my $col = index($head, 'ACCEPTED');
	ok($col > 0 && !grep({ substr($_, $col + 7, 1) ne '0' } @rows),
	    'the counts stay under their heading');
	is($w->stop >> 8, 0, 'stopped');
};

done_testing();
