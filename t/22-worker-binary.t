# SPDX-License-Identifier: ISC
# Two executables: the master (sinetd) and the worker (sinetd-worker). The
# worker holds none of the master's code and the master none of the
# worker's; the master runs the worker it opened at start, whatever
# replaces the file later, and only one of its own build; it refuses a
# worker file that someone other than root could have put there.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use Test::More;
use Sinetd;

my $build = build_dir();
my $worker = "$build/sinetd-worker";
plan skip_all => "no $worker" unless -x $worker;

# The global symbols an object defines.
sub defined_in {
	my (@files) = @_;
	my %s;
	for (`nm --defined-only @files 2>/dev/null`) {
		$s{$1} = 1 if /^[0-9a-f]+ [TDBR] (\w+)$/ && $1 ne 'main';
	}
	return \%s;
}

subtest 'the worker holds none of the master\'s code, nor the master the worker\'s' => sub {
	plan skip_all => 'no nm' if system('command -v nm >/dev/null 2>&1');
	my @mobj = glob("$build/obj/master/*.o");
	my @wobj = glob("$build/obj/worker/*.o");
	plan skip_all => 'no objects under build/obj' unless @mobj && @wobj;
	my $in_worker = defined_in($worker);
	my $in_master = defined_in(sinetd_bin());
	my $master_own = defined_in(@mobj);
	my $worker_own = defined_in(@wobj);	# (each has a main)
	ok(keys %$master_own > 50 && keys %$worker_own > 30,
	    'the objects name their symbols');
	ok($in_master->{master_main}, 'the master has master_main');
	ok($in_worker->{worker_main}, 'the worker has worker_main');
	my @leak = sort grep { $in_worker->{$_} } keys %$master_own;
	is("@leak", '', 'no symbol of master/ in the worker');
	my @named = sort grep { /^(?:master|services|pool|reload|control)_/ }
	    keys %$in_worker;
	is("@named", '', 'no master_*, services_*, pool_*, reload_*, control_*');
	@leak = sort grep { $in_master->{$_} } keys %$worker_own;
	is("@leak", '', 'and no symbol of worker/ in the master');
	my @libs = `ldd '$worker' 2>/dev/null`;
	ok(!grep({ /sinetd/ } @libs), 'the worker is its own image, no shared part');
};

# A master and worker of this build, copied to a directory of their own:
# the master runs the worker beside it.
sub pair {
	my (%o) = @_;
	my $dir = tempdir(CLEANUP => 1);
	chmod(0755, $dir);
	copy(sinetd_bin(), "$dir/sinetd") or die "copy: $!";
	copy($worker, "$dir/sinetd-worker") or die "copy: $!";
	chmod(0755, "$dir/sinetd", "$dir/sinetd-worker");
	return $dir;
}

my ($id) = `'$worker' -V` =~ /^sinetd-worker \S+ build=([0-9a-f]{16}(?:-hooks)?)$/m;
ok($id, "sinetd-worker -V says its build ($id)");

# The same binary, but saying another build: one hex digit changed.
sub alien_worker {
	my ($path) = @_;
	open(my $fh, '<:raw', $worker) or die "$worker: $!";
	local $/;
	my $bin = <$fh>;
	close($fh);
	(my $other = $id) =~ s/^(.)/$1 eq '0' ? '1' : '0'/e;
	my $n = $bin =~ s/\Q$id\E/$other/g;
	die "the build id is not in $worker" unless $n;
	unlink($path);
	open($fh, '>:raw', $path) or die "$path: $!";
	print $fh $bin;
	close($fh);
	chmod(0755, $path);
	return $other;
}

subtest 'the master passes its build, and names its workers' => sub {
	my $port = free_port();
	my $d = Sinetd->start(conf =>
	    "127.0.0.1:$port stream tcp nowait nobody internal echo\n",
	    args => ['-o', 'workers=1']);
	my ($w) = $d->workers;
	ok($w, 'a worker');
	is(Sinetd::cmdline($w),
	    "sinetd-worker build=$id service=$port proto=tcp addr=127.0.0.1:$port ",
	    'argv: sinetd-worker build=ID SERVICE');
	is(slurp("/proc/$w/comm"), "sinetd-worker\n", 'comm: sinetd-worker');
	require Cwd;
	is(readlink("/proc/$w/exe"), Cwd::abs_path($worker),
	    'it runs build/sinetd-worker');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a worker of another build refuses to run' => sub {
	my $dir = pair();
	my $other = alien_worker("$dir/sinetd-worker");
	my $port = free_port();
	my $d = Sinetd->start(bin => "$dir/sinetd", conf =>
	    "127.0.0.1:$port stream tcp nowait nobody internal echo\n",
	    args => ['-o', 'workers=1']);
	ok($d->wait_log(qr/service failed, not restarting it service=$port /),
	    'the service fails, and is not restarted');
	like($d->log_text, qr/^sinetd-worker: build=\Q$other\E, but the master is of another build \(build=\Q$id\E\): not running for it$/m,
	    'the worker says why');
	is($d->count_log(qr/^sinetd-worker: build=/m), 1, 'once');
	my $got = Sinetd::tcp_talk('127.0.0.1', $port, "x\n", half_close => 1);
	ok(!defined $got || $got eq '', 'and nothing serves');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a worker binary replaced on disk is never run by a running master' => sub {
	my $dir = pair();
	my @orig = (stat("$dir/sinetd-worker"))[0, 1];
	my $port = free_port();
	my $d = Sinetd->start(bin => "$dir/sinetd", conf =>
	    "127.0.0.1:$port stream tcp nowait nobody internal echo\n",
	    args => ['-o', 'workers=1', '-o', 'restart-delay=100ms']);
	my ($w) = $d->workers;
	is(join(':', (stat("/proc/$w/exe"))[0, 1]), join(':', @orig),
	    'the worker runs the file that was there at start');
	# As dpkg and make install replace a file: a new one renamed over it.
	# It would say it ran, and it is of another build besides.
	alien_worker("$dir/sinetd-worker.new");
	rename("$dir/sinetd-worker.new", "$dir/sinetd-worker") or die;
	isnt(join(':', (stat("$dir/sinetd-worker"))[0, 1]), join(':', @orig),
	    'the file on disk is another now');
	kill('KILL', $w);
	# Executed: a child caught between its spawn and its exec is still
	# the master's image, and has no argv of its own yet.
	my $new = wait_for(10, sub {
		my ($n) = grep { $_ != $w &&
		    Sinetd::cmdline($_) =~ /^sinetd-worker build=/ } $d->workers;
		return $n // 0;
	});
	ok($new, 'the killed worker is restarted');
	ok($d->wait_log(qr/worker died .* signal=KILL/), 'and its death said');
	is(join(':', (stat("/proc/$new/exe"))[0, 1]), join(':', @orig),
	    'from the file opened at start, not the one on disk now');
	like(readlink("/proc/$new/exe") // '', qr/ \(deleted\)$/,
	    'which is no longer on disk');
	is(Sinetd::tcp_talk('127.0.0.1', $port, "same\n", half_close => 1),
	    "same\n", 'and it serves');
	unlike($d->log_text, qr/another build/, 'no worker of the new file ran');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'the worker binary must be one only root (or we) could put there' => sub {
	my $dir = pair();
	my $conf = "$dir/inetd.conf";
	write_file($conf, '');
	chmod(0757, "$dir/sinetd-worker");
	my $out = `'$dir/sinetd' -n '$conf' 2>&1`;
	isnt($? >> 8, 0, 'sinetd -n fails on a worker anyone may write');
	like($out, qr{^\Q$dir\E/sinetd-worker: the worker binary: owned by uid \d+ mode 0757: it must be root's or ours, and writable by its owner alone$}m,
	    'and says why');
	$out = `'$dir/sinetd' -d -W -p '$dir/pid' -S '$dir/sock' '$conf' 2>&1`;
	isnt($? >> 8, 0, 'the master does not start with it');
	like($out, qr{cannot start workers: \Q$dir\E/sinetd-worker: the worker binary: owned by}, 'and says why');
	chmod(0755, "$dir/sinetd-worker");
	chmod(0777, $dir);
	$out = `'$dir/sinetd' -n '$conf' 2>&1`;
	like($out, qr{^\Q$dir\E/sinetd-worker: the worker binary: its directory is writable by anyone$}m,
	    'nor from a directory anyone may write to');
	chmod(01777, $dir);
	$out = `'$dir/sinetd' -n '$conf' 2>&1`;
	is($out, "configuration OK\n", 'a sticky one, as /tmp, is fine');
	chmod(0755, $dir);
};

subtest 'sinetd -n says when the worker is missing' => sub {
	my $dir = pair();
	my $conf = "$dir/inetd.conf";
	write_file($conf, '');
	my $out = `'$dir/sinetd' -n '$conf' 2>&1`;
	is($out, "configuration OK\n", 'with it: configuration OK');
	unlink("$dir/sinetd-worker");
	$out = `'$dir/sinetd' -n '$conf' 2>&1`;
	is($? >> 8, 1, 'without it: exit 1');
	is($out, "$dir/sinetd-worker: the worker binary: No such file or directory\n",
	    'naming where it looked');
	$out = `'$dir/sinetd' -d -W -p '$dir/pid' -S '$dir/sock' '$conf' 2>&1`;
	isnt($? >> 8, 0, 'and the master does not start');
	like($out, qr{cannot start workers: \Q$dir\E/sinetd-worker: the worker binary: No such file or directory}, 'saying so');
};

done_testing();
