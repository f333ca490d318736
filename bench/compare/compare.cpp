#include "compare.h"

#include "dialect.h"
#include "loadgen.h"
#include "procstats.h"
#include "profiler.h"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <random>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace longline::bench::compare {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;

// How long each phase may take. Every phase is bounded, so a slow server
// yields figures or a clear "did not settle", never a hang.
struct Phases
{
    Seconds registerTimeout; // all N registered
    Seconds quietTimeout;    // the server's CPU calms down after registration
    Seconds idleWindow;      // idle CPU is measured over this (>= one heartbeat interval)
    Seconds pingWindow;      // client PINGs at PingRate
    Seconds drainTimeout;    // outstanding answers after a window
    Seconds roomTimeout;     // one message reaching the whole room
    Seconds stormSpread;     // mass reconnect: all HELLOs are sent within this
    Seconds ackWindow;       // chat at AckRate
    int ackClients;
};

constexpr double PingRate = 2000;      // client PINGs per second, at random connections
constexpr double AckRate = 100;        // SAYIDs per second in the ACK phase
constexpr double ProbePingRate = 200;  // probe PINGs per second during the storm
constexpr int StormProbes = 50;        // registered clients that are not part of the storm
constexpr int ConnectsInFlight = 64;   // sweep: connects not yet registered at once
constexpr double QuietCpuShare = 0.05; // "calm": under 5 % of one core
constexpr auto QuietSample = 500ms;
constexpr auto ServerStartTimeout = 10s;
constexpr auto BaselineWait = 300ms;
constexpr auto PollStep = 2ms;
constexpr int DescriptorReserve = 64;       // the bench's own descriptors besides connections
constexpr double StormWelcomeTarget = 10.0; // s

Phases phasesFor(bool quick)
{
    if (quick)
        return {15s, 2s, 1s, 2s, 2s, 5s, 1s, 1s, 0};
    return {90s, 10s, 16s, 5s, 3s, 10s, 5s, 5s, 1000};
}

double since(Clock::time_point t)
{
    return Seconds(Clock::now() - t).count();
}

// Services the connections for `d`.
void serviceFor(LoadGen &gen, Seconds d)
{
    const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(d);
    while (Clock::now() < end)
        gen.poll(PollStep);
}

template <typename Pred> bool serviceUntil(LoadGen &gen, Pred done, Seconds timeout)
{
    const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
    while (!done()) {
        if (Clock::now() >= end)
            return false;
        gen.poll(PollStep);
    }
    return true;
}

LatencyFigures latencyFigures(std::vector<int64_t> ns, int sent)
{
    LatencyFigures f;
    f.sent = sent;
    f.answered = int(ns.size());
    std::sort(ns.begin(), ns.end());
    auto at = [&](double p) -> std::optional<double> {
        if (sent <= 0)
            return std::nullopt;
        const auto rank = size_t(std::max(0.0, std::ceil(p * sent) - 1));
        if (rank >= ns.size())
            return std::nullopt; // lands on an unanswered request
        return double(ns[rank]) / 1e6;
    };
    f.p50Ms = at(0.50);
    f.p99Ms = at(0.99);
    return f;
}

size_t registeredOrDone(const LoadGen &gen)
{
    return gen.count(ConnState::Ready) + gen.count(ConnState::Failed) +
           gen.count(ConnState::Refused) + gen.count(ConnState::Closed);
}

// Opens connections [first, first+count), at most ConnectsInFlight waiting
// for registration at once, until all registered or the timeout.
bool connectAll(LoadGen &gen, ServerProcess &server, size_t first, size_t count, Seconds timeout)
{
    const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
    size_t next = first;
    const size_t doneBefore = registeredOrDone(gen);
    while (registeredOrDone(gen) - doneBefore < count) {
        if (Clock::now() >= end || !server.running())
            return false;
        const size_t waiting = (next - first) - (registeredOrDone(gen) - doneBefore);
        for (size_t k = waiting; k < ConnectsInFlight && next < first + count; ++k)
            gen.open(next++);
        gen.poll(PollStep);
    }
    return gen.count(ConnState::Ready) >= count;
}

// Waits until the server's CPU falls under QuietCpuShare over QuietSample.
bool waitQuiet(LoadGen &gen, pid_t pid, Seconds timeout)
{
    const auto start = Clock::now();
    while (since(start) < timeout.count()) {
        const double c0 = cpuSeconds(pid);
        serviceFor(gen, QuietSample);
        const double c1 = cpuSeconds(pid);
        if (c0 < 0 || c1 < 0)
            return false;
        if ((c1 - c0) / Seconds(QuietSample).count() < QuietCpuShare)
            return true;
    }
    return false;
}

// Timed pings at `rate` per second at random ready connections in
// [lo, hi) for `window`, then waits for the outstanding answers.
LatencyFigures pingAtRate(LoadGen &gen, size_t lo, size_t hi, double rate, Seconds window,
                          Seconds drain, std::mt19937 &rng, std::function<bool()> stop = {})
{
    std::vector<int64_t> rtts;
    gen.setPingSink(&rtts);
    std::uniform_int_distribution<size_t> pick(lo, hi - 1);
    int sent = 0;
    const auto start = Clock::now();
    while (since(start) < window.count() && !(stop && stop())) {
        const auto due = int(rate * since(start));
        while (sent < due) {
            // A connection with a ping in flight is skipped for another.
            bool placed = false;
            for (int attempt = 0; attempt < 32 && !placed; ++attempt)
                placed = gen.ping(pick(rng));
            if (!placed)
                break;
            ++sent;
        }
        gen.poll(1ms);
    }
    serviceUntil(
        gen, [&] { return gen.pingsInFlight() == 0; }, drain);
    gen.setPingSink(nullptr);
    return latencyFigures(std::move(rtts), sent);
}

// The bench's own CPU time (user + system), all threads.
double ownCpuSeconds()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string fmt(const char *f, double a)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, f, a);
    return buf;
}

SweepRun runSweep(const ServerProgram &program, int n, const Phases &ph, const std::string &dir,
                  const std::string &profileBase)
{
    SweepRun run;
    run.n = n;
    ServerProcess server(program, dir, n + DescriptorReserve);
    if (!server.start(ServerStartTimeout)) {
        run.note = "did not start: " + server.why();
        return run;
    }
    run.started = true;
    const pid_t pid = server.pid();
    std::this_thread::sleep_for(BaselineWait);
    run.rssBeforeKiB = residentKiB(pid);
    const int fdsBefore = openDescriptors(pid);

    const Dialect dialect(program.kind);
    LoadGen gen(dialect, server.port());
    gen.add(size_t(n), 'b');
    const auto t0 = Clock::now();
    const bool all = connectAll(gen, server, 0, size_t(n), ph.registerTimeout);
    run.connectSeconds = since(t0);
    run.registered = int(gen.count(ConnState::Ready));
    if (!all) {
        run.note = "did not settle: " + std::to_string(run.registered) + " of " +
                   std::to_string(n) + " registered in " + fmt("%.1f", run.connectSeconds) +
                   " s (failed " + std::to_string(gen.count(ConnState::Failed)) + ", refused " +
                   std::to_string(gen.count(ConnState::Refused)) +
                   (gen.lastFailure().empty() ? "" : ", last: " + gen.lastFailure()) + ")" +
                   (server.running() ? "" : "; the server exited");
    }
    if (!server.running() || run.registered == 0) {
        if (run.note.empty())
            run.note = "the server exited";
        return run;
    }
    // The server holds them (accepted, not just queued) and has calmed down.
    const bool held = serviceUntil(
        gen, [&] { return openDescriptors(pid) >= fdsBefore + run.registered; }, ph.quietTimeout);
    const bool quiet = waitQuiet(gen, pid, ph.quietTimeout);
    run.settled = all && held;
    if (!held)
        run.note += (run.note.empty() ? "" : "; ") + std::string("server holds fewer descriptors");
    if (!quiet)
        run.note += (run.note.empty() ? "" : "; ") + std::string("CPU never calmed down");
    run.rssAfterKiB = residentKiB(pid);
    if (run.rssBeforeKiB > 0 && run.rssAfterKiB > 0)
        run.rssPerConnKiB = double(run.rssAfterKiB - run.rssBeforeKiB) / run.registered;

    // Profiled from the idle window to the end of the PINGs: idle cost and
    // cost per PING both show.
    Profiler profiler;
    const bool profiling = !profileBase.empty() && profiler.start(pid, profileBase + ".data");
    if (!profileBase.empty() && !profiling)
        run.note += (run.note.empty() ? "" : "; ") + profiler.why();
    const double idle0 = cpuSeconds(pid);
    const auto idleStart = Clock::now();
    serviceFor(gen, ph.idleWindow);
    run.idleWindowSeconds = since(idleStart);
    const double idle1 = cpuSeconds(pid);
    if (idle0 >= 0 && idle1 >= 0)
        run.idleCpuPercent = 100.0 * (idle1 - idle0) / run.idleWindowSeconds;

    std::mt19937 rng{uint32_t(n)};
    const double ping0 = cpuSeconds(pid);
    const double self0 = ownCpuSeconds();
    run.pings = pingAtRate(gen, 0, size_t(n), PingRate, ph.pingWindow, ph.drainTimeout, rng);
    const double ping1 = cpuSeconds(pid);
    const double self1 = ownCpuSeconds();
    if (profiling && !profiler.stop(profileBase + ".txt"))
        run.note += (run.note.empty() ? "" : "; ") + profiler.why();
    if (ping0 >= 0 && ping1 >= 0 && run.pings.answered > 0) {
        run.cpuPerPingUs = 1e6 * (ping1 - ping0) / run.pings.answered;
        run.loadgenCpuPerPingUs = 1e6 * (self1 - self0) / run.pings.answered;
    }

    if (program.kind == ServerKind::Longline) {
        gen.resetMessages();
        size_t sender = 0;
        while (sender < gen.size() && gen.conn(sender).state != ConnState::Ready)
            ++sender;
        // The room: every connection registered when the message leaves
        // (a slow server may still be registering some).
        run.roomSize = int(gen.count(ConnState::Ready));
        const auto sent = Clock::now();
        if (sender < gen.size() && gen.send(sender, dialect.say())) {
            const bool reached = serviceUntil(
                gen, [&] { return gen.connectionsWithMessages() >= size_t(run.roomSize); },
                ph.roomTimeout);
            if (reached)
                run.roomMessageMs = 1000.0 * since(sent);
            run.roomReached = int(gen.connectionsWithMessages());
        }
    }
    run.serverErrors = gen.serverErrors();
    run.closedByServer = gen.closedByServer();
    if (!server.running())
        run.note += (run.note.empty() ? "" : "; ") + std::string("the server exited");
    gen.closeAll();
    server.stop();
    return run;
}

StormRun runStorm(const ServerProgram &program, int n, const Phases &ph, const std::string &dir)
{
    StormRun run;
    run.n = n;
    run.spreadSeconds = ph.stormSpread.count();
    ServerProcess server(program, dir, n + StormProbes + DescriptorReserve);
    if (!server.start(ServerStartTimeout)) {
        run.note = "did not start: " + server.why();
        return run;
    }
    run.started = true;
    const Dialect dialect(program.kind);
    LoadGen gen(dialect, server.port());
    gen.add(StormProbes, 'p');
    if (!connectAll(gen, server, 0, StormProbes, ph.registerTimeout)) {
        run.note = "the probes did not register";
        return run;
    }
    const size_t first = gen.add(size_t(n), 's');
    const auto t0 = Clock::now();
    const int64_t t0Ns = LoadGen::nowNs();
    size_t opened = 0;
    // Welcomed: got its WELCOME, whatever happened to it afterwards.
    auto welcomed = [&] {
        size_t count = 0;
        for (size_t i = first; i < gen.size(); ++i)
            count += gen.conn(i).registeredNs != 0;
        return count;
    };
    const double limit = ph.stormSpread.count() + 2 * StormWelcomeTarget;
    // Opening the storm's connections at an even rate over the spread is
    // driven from the stop callback of the probe pings, which poll meanwhile.
    auto stormStep = [&] {
        const auto due =
            std::min(size_t(n), size_t(double(n) * since(t0) / ph.stormSpread.count()) + 1);
        while (opened < due)
            gen.open(first + opened++);
        const size_t settled = registeredOrDone(gen) - StormProbes;
        return (opened == size_t(n) && settled >= size_t(n)) || since(t0) > limit ||
               !server.running();
    };
    std::mt19937 rng(7);
    run.probePings = pingAtRate(gen, 0, StormProbes, ProbePingRate, Seconds(limit), ph.drainTimeout,
                                rng, stormStep);
    run.welcomed = int(welcomed());
    if (run.welcomed == n) {
        int64_t last = 0;
        for (size_t i = first; i < gen.size(); ++i)
            last = std::max(last, gen.conn(i).registeredNs);
        run.allWelcomedSeconds = double(last - t0Ns) / 1e9;
    } else {
        run.note = std::to_string(run.welcomed) + " of " + std::to_string(n) + " welcomed in " +
                   fmt("%.1f", since(t0)) + " s" +
                   (gen.lastFailure().empty() ? "" : " (last failure: " + gen.lastFailure() + ")");
    }
    gen.closeAll();
    server.stop();
    return run;
}

AckRun runAck(const ServerProgram &program, int clients, const Phases &ph, const std::string &dir)
{
    AckRun run;
    run.clients = clients;
    run.ratePerSecond = AckRate;
    ServerProcess server(program, dir, clients + DescriptorReserve);
    if (!server.start(ServerStartTimeout)) {
        run.note = "did not start: " + server.why();
        return run;
    }
    run.started = true;
    const Dialect dialect(program.kind);
    LoadGen gen(dialect, server.port());
    gen.add(size_t(clients), 'c');
    if (!connectAll(gen, server, 0, size_t(clients), ph.registerTimeout)) {
        run.note = std::to_string(gen.count(ConnState::Ready)) + " of " + std::to_string(clients) +
                   " registered";
        return run;
    }
    waitQuiet(gen, server.pid(), ph.quietTimeout);
    gen.resetMessages();
    std::vector<int64_t> sentAt;
    std::vector<int64_t> latencies;
    std::vector<int64_t> readLatencies;
    gen.setAckSink([&](uint32_t cid, int64_t readNs, int64_t kernelNs) {
        if (cid < sentAt.size() && sentAt[cid] != 0) {
            // The kernel's time is that of the last bytes of the read, never
            // before the ACK's own: it can only make the figure larger.
            const bool kernel = kernelNs >= sentAt[cid] && kernelNs <= readNs;
            if (!kernel)
                ++run.acksWithoutKernelTime;
            latencies.push_back((kernel ? kernelNs : readNs) - sentAt[cid]);
            readLatencies.push_back(readNs - sentAt[cid]);
            sentAt[cid] = 0;
        }
    });
    std::mt19937 rng(11);
    std::uniform_int_distribution<size_t> pick(0, size_t(clients) - 1);
    const auto start = Clock::now();
    while (since(start) < ph.ackWindow.count()) {
        while (double(sentAt.size()) < AckRate * since(start)) {
            const auto cid = uint32_t(sentAt.size());
            sentAt.push_back(LoadGen::nowNs());
            if (!gen.send(pick(rng), dialect.chat(cid)))
                sentAt.back() = 0;
        }
        gen.poll(1ms);
    }
    const int sent = int(sentAt.size());
    serviceUntil(
        gen, [&] { return int(latencies.size()) >= sent; }, ph.drainTimeout);
    // Deliveries go on after the last ACK; give them the drain time too.
    run.deliveriesExpected = uint64_t(sent) * gen.count(ConnState::Ready);
    serviceUntil(
        gen, [&] { return gen.messages() >= run.deliveriesExpected; }, ph.drainTimeout);
    run.deliveriesReceived = gen.messages();
    run.acks = latencyFigures(std::move(latencies), sent);
    run.acksRead = latencyFigures(std::move(readLatencies), sent);
    gen.setAckSink({});
    gen.closeAll();
    server.stop();
    return run;
}

void raiseDescriptorLimit()
{
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

long descriptorLimit()
{
    rlimit rl{};
    return getrlimit(RLIMIT_NOFILE, &rl) == 0 ? long(rl.rlim_cur) : 1024;
}

std::string utcNow()
{
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

std::string machineLine()
{
    utsname u{};
    uname(&u);
    return std::string(u.sysname) + " " + u.release + " " + u.machine + ", " +
           std::to_string(std::thread::hardware_concurrency()) + " CPUs";
}

// Options::pin: this process (the load generator) to the first CPU it may
// use, servers to the second. Returns the servers' CPU, or -1 (not pinned).
int pinLoadGenerator(bool pin, std::string *how)
{
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (!pin || sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) < 2) {
        *how = "not pinned";
        return -1;
    }
    int first = -1, second = -1;
    for (int cpu = 0; cpu < CPU_SETSIZE && second < 0; ++cpu) {
        if (!CPU_ISSET(cpu, &allowed))
            continue;
        (first < 0 ? first : second) = cpu;
    }
    cpu_set_t mine;
    CPU_ZERO(&mine);
    CPU_SET(first, &mine);
    if (sched_setaffinity(0, sizeof mine, &mine) != 0) {
        *how = "not pinned";
        return -1;
    }
    *how = "load generator on CPU " + std::to_string(first) + ", servers on CPU " +
           std::to_string(second);
    return second;
}

// Options::keepAwake: a child that spins at SCHED_IDLE on `cpu` while this
// object lives (see Options::keepAwake for why).
class KeepAwake
{
public:
    KeepAwake(int cpu, std::string *how)
    {
        if (cpu < 0)
            return;
        m_pid = ::fork();
        if (m_pid == 0) {
            // The child: no allocation, no return; it dies with its parent.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            sched_param lowest{};
            if (::sched_setaffinity(0, sizeof one, &one) != 0 ||
                ::sched_setscheduler(0, SCHED_IDLE, &lowest) != 0)
                ::_exit(1);
            for (;;)
                asm volatile("" ::: "memory");
        }
        if (m_pid > 0)
            *how += ", the servers' CPU kept awake by an idle-priority spinner";
    }
    ~KeepAwake()
    {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }
    KeepAwake(const KeepAwake &) = delete;
    KeepAwake &operator=(const KeepAwake &) = delete;

private:
    pid_t m_pid = -1;
};

// Where a program built with the project is; empty for the packaged ones.
const std::string &builtPath(const Options &options, ServerKind kind)
{
    static const std::string none;
    switch (kind) {
    case ServerKind::Longline:
        return options.longlineServer;
    case ServerKind::Floor:
        return options.floorServer;
    case ServerKind::Mosquitto:
    case ServerKind::Redis:
        break;
    }
    return none;
}

std::string whySkipped(const Options &options, ServerKind kind)
{
    switch (kind) {
    case ServerKind::Longline:
    case ServerKind::Floor:
        return "not found at '" + builtPath(options, kind) + "'";
    case ServerKind::Mosquitto:
        return "not installed (apt-get install mosquitto)";
    case ServerKind::Redis:
        return "not installed (apt-get install redis-server)";
    }
    return "unknown";
}

void progress(const ServerResults &s, const SweepRun &r)
{
    std::fprintf(stderr,
                 "compare: %s N=%d: %d registered in %.1f s, %s KiB/conn, idle %s %%, "
                 "%s us/ping, p99 %s ms%s%s\n",
                 serverName(s.program.kind), r.n, r.registered, r.connectSeconds,
                 r.rssPerConnKiB ? fmt("%.2f", *r.rssPerConnKiB).c_str() : "-",
                 r.idleCpuPercent ? fmt("%.1f", *r.idleCpuPercent).c_str() : "-",
                 r.cpuPerPingUs ? fmt("%.1f", *r.cpuPerPingUs).c_str() : "-",
                 r.pings.p99Ms ? fmt("%.2f", *r.pings.p99Ms).c_str() : "-",
                 r.note.empty() ? "" : "; ", r.note.c_str());
    std::fflush(stderr);
}

} // namespace

CompareResults runCompare(const Options &options)
{
    raiseDescriptorLimit();
    CompareResults results;
    results.options = options;
    results.startedUtc = utcNow();
    std::string pinning;
    const int serverCpu = pinLoadGenerator(options.pin, &pinning);
    const KeepAwake awake(options.keepAwake ? serverCpu : -1, &pinning);
    results.machine = machineLine() + "; " + pinning;
    const Phases ph = phasesFor(options.quick);
    const long limit = descriptorLimit();
    const std::string scratch = options.outDir + "/servers";

    for (ServerKind kind : options.servers) {
        ServerResults s;
        s.program = findProgram(kind, builtPath(options, kind));
        s.program.cpu = serverCpu;
        if (s.program.path.empty()) {
            s.skipped = whySkipped(options, kind);
            std::fprintf(stderr, "compare: %s skipped: %s\n", serverName(kind), s.skipped.c_str());
            results.servers.push_back(s);
            continue;
        }
        bool failedSmaller = false;
        for (int n : options.sizes) {
            if (failedSmaller) {
                SweepRun r;
                r.n = n;
                r.note = "skipped: did not settle at a smaller N";
                s.runs.push_back(r);
                continue;
            }
            if (n + DescriptorReserve > limit) {
                SweepRun r;
                r.n = n;
                r.note = "skipped: the load generator may hold only " + std::to_string(limit) +
                         " descriptors";
                s.runs.push_back(r);
                continue;
            }
            const std::string dir = scratch + "/" + serverName(kind) + "-" + std::to_string(n);
            const std::string profile = options.profile && kind == ServerKind::Longline
                                            ? options.outDir + "/perf-longline-" + std::to_string(n)
                                            : std::string();
            s.runs.push_back(runSweep(s.program, n, ph, dir, profile));
            progress(s, s.runs.back());
            failedSmaller = !s.runs.back().settled;
        }
        results.servers.push_back(s);
    }

    const auto ll =
        std::find_if(results.servers.begin(), results.servers.end(),
                     [](const ServerResults &s) { return s.program.kind == ServerKind::Longline; });
    if (ll != results.servers.end() && !ll->program.path.empty() && !options.sizes.empty()) {
        const ServerProgram &longline = ll->program;
        const int largest = *std::max_element(options.sizes.begin(), options.sizes.end());
        const int stormN = int(std::min<long>(largest, limit - StormProbes - DescriptorReserve));
        results.storm = runStorm(longline, stormN, ph, scratch + "/longline-storm");
        const StormRun &st = *results.storm;
        std::fprintf(stderr, "compare: mass reconnect of %d: %d welcomed%s%s, probe p99 %s ms\n",
                     st.n, st.welcomed,
                     st.allWelcomedSeconds ? fmt(" in %.2f s", *st.allWelcomedSeconds).c_str() : "",
                     st.note.empty() ? "" : (" (" + st.note + ")").c_str(),
                     st.probePings.p99Ms ? fmt("%.2f", *st.probePings.p99Ms).c_str() : "-");
        const int ackClients = ph.ackClients > 0
                                   ? ph.ackClients
                                   : *std::min_element(options.sizes.begin(), options.sizes.end());
        results.ack = runAck(longline, ackClients, ph, scratch + "/longline-ack");
        const AckRun &ak = *results.ack;
        std::fprintf(stderr,
                     "compare: ACK latency, %d clients at %.0f msg/s: %d of %d acked, "
                     "p99 %s ms%s%s\n",
                     ak.clients, ak.ratePerSecond, ak.acks.answered, ak.acks.sent,
                     ak.acks.p99Ms ? fmt("%.2f", *ak.acks.p99Ms).c_str() : "-",
                     ak.note.empty() ? "" : "; ", ak.note.c_str());
    }
    return results;
}

} // namespace longline::bench::compare
