# SPDX-License-Identifier: ISC
# max-perip at scale: 1,002 clients from 334 sources (more sources than
# the per-service table of 256 holds), two children each allowed. Each
# source's third client is refused, whether its count is kept by its
# entry or, when the table is full of sources with children, counted the
# slow way; when children end (reaped by their worker, or, after the
# worker died, by the master) their sources may have them again.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::IP;
use Socket qw(SOCK_STREAM);
use Test::More;
use Sinetd;

my $nsrc = 334;
my $port = free_port();
my $dir = tempdir(CLEANUP => 1);
chmod(0755, $dir);
mkdir("$dir/policy");
write_file("$dir/policy/default.policy", default_policy());
# 668 children at once: above default.policy's tasks-max.
write_file("$dir/policy/$port.policy", "include default.policy\ntasks-max 4096\n");
my $d = Sinetd->start(args => ['-P', "$dir/policy", '-o', 'workers=1', '-R', '100000'],
    conf => "127.0.0.1:$port stream tcp nowait/0/0/2 nobody /bin/cat cat\n");

sub source { my $i = shift; sprintf('127.0.%d.%d', 1 + int($i / 200), 1 + $i % 200) }

sub client {
	my ($i) = @_;
	my $s = IO::Socket::IP->new(LocalHost => source($i), PeerHost => '127.0.0.1',
	    PeerPort => $port, Type => SOCK_STREAM) or return undef;
	syswrite($s, "x\n");
	return $s;
}

# Served (its cat echoes) or closed (refused), within the bound.
sub verdict {
	my ($s) = @_;
	my $buf = '';
	return 'refused' unless IO::Select->new($s)->can_read(10);
	my $n = sysread($s, $buf, 16);
	return !$n ? 'refused' : $buf eq "x\n" ? 'served' : "said $buf";
}

# Each source: two clients served, the third refused.
sub wave {
	my ($name, $held) = @_;
	my (%bad, $refused);
	for my $i (0 .. $nsrc - 1) {
		my @c;
		for my $k (1 .. 3 - @{ $held->[$i] // [] }) {
			push @c, client($i);
		}
		my $third = pop @c;
		for my $s (@c) {
			my $v = $s ? verdict($s) : 'no connection';
			$bad{$i} = "a client $v" if $v ne 'served';
			push @{ $held->[$i] }, $s;
		}
		my $v = $third ? verdict($third) : 'no connection';
		$bad{$i} = "the third $v" if $v ne 'refused';
		$refused++ if $v eq 'refused';
		close($third) if $third;
	}
	is(scalar(keys %bad), 0, "$name: every source has two children, its third "
	    . "client refused ($refused of $nsrc)")
	    or diag(join("\n", map { source($_) . ": $bad{$_}" }
		(sort { $a <=> $b } keys %bad)[0 .. 4]));
}

my @held;
wave('1,002 clients', \@held);
is(scalar(grep { cmdline($_) =~ /^cat/ } map { Sinetd::children_of($_) } $d->workers),
    2 * $nsrc, 'and as many cats run');

# One child of each source ends, reaped by its worker: one more is allowed.
close(shift @{ $held[$_] }) for 0 .. $nsrc - 1;
ok(wait_for(15, sub { (grep { cmdline($_) =~ /^cat/ }
    map { Sinetd::children_of($_) } $d->workers) == $nsrc }),
    'one child of each source ended');
wave('after the worker reaped them', \@held);

# The worker dies; its children run on, adopted by the master, which frees
# their slots when they end.
my ($w) = $d->workers;
my @cats = grep { cmdline($_) =~ /^cat/ } Sinetd::children_of($w);
kill('KILL', $w);
ok(wait_for(10, sub { my ($n) = $d->workers; $n && $n != $w }), 'a new worker');
close($_) for map { @$_ } @held;
@held = ();
ok(wait_for(20, sub { !grep { pid_alive($_) } @cats }), 'the adopted children ended');
# Gone is not yet freed: the master frees their slots, and their sources'
# counts with them, when it reads their exits, which a loaded machine
# delays.
my $st = '';
ok(wait_for(20, sub { (undef, $st) = $d->ctl('-k', 'status', $port);
    $st =~ /\bchildren=0\b/ }), 'and the master freed their slots')
    or diag($st);
wave('after the master freed them', \@held);
close($_) for map { @$_ } @held;
is($d->stop >> 8, 0, 'clean stop');
done_testing();
