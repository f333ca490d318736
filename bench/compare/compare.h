#pragma once
// `longline-bench compare`: the same load against longline-server, mosquitto
// and redis-server at several numbers of held connections, plus the
// longline-only targets of issue 9 (mass reconnect, one message to a whole
// room, ACK latency), written as a table, JSON, markdown and a chart. The
// floor (longline-floor, a server that does no work) runs the same load as a
// reference for what the kernel and the load generator cost by themselves.

#include "serverprocess.h"

#include <optional>
#include <string>
#include <vector>

namespace longline::bench::compare {

struct Options
{
    std::vector<int> sizes{1000, 5000, 10000, 19500};
    std::string outDir = "bench-compare";
    std::string longlineServer;
    std::string floorServer; // longline-floor
    bool quick = false;
    bool profile = false; // perf record longline-server's idle and PING phases
    // The load generator on one CPU, every server on another, when there
    // are two: each server is then measured with the same cross-CPU wakeups
    // (left to the scheduler, a server sharing the generator's CPU pays far
    // less per PING than one on the other, and runs differ by 2x).
    bool pin = true;
    // With pin: a spinning process of the lowest priority (SCHED_IDLE) on
    // the servers' CPU, so it never idles between PINGs. A virtual CPU that
    // halts between them charges every wakeup, about 8 us here, to the task
    // it wakes: the same for every server, yet present in one phase and
    // absent in the next (the same server measured 17 and 8 us per PING in
    // one run), which buried the servers' own work in noise. Any runnable
    // server takes the CPU from it at once; its time is not the server's.
    bool keepAwake = true;
    std::vector<ServerKind> servers{ServerKind::Longline, ServerKind::Mosquitto, ServerKind::Redis,
                                    ServerKind::Floor};
};

// Round-trip figures of timed requests. A request never answered counts as
// slower than any answered one, so a percentile that lands on one is absent.
struct LatencyFigures
{
    int sent = 0;
    int answered = 0;
    std::optional<double> p50Ms;
    std::optional<double> p99Ms;
};

// One server held N connections.
struct SweepRun
{
    int n = 0;
    bool started = false;
    bool settled = false; // every connection registered and the server held them
    std::string note;     // why not settled, or anything odd
    int registered = 0;
    double connectSeconds = 0;
    long rssBeforeKiB = -1;
    long rssAfterKiB = -1;
    std::optional<double> rssPerConnKiB;
    std::optional<double> idleCpuPercent;
    double idleWindowSeconds = 0;
    LatencyFigures pings;
    std::optional<double> cpuPerPingUs;
    std::optional<double> loadgenCpuPerPingUs; // the bench's own cost, for comparison
    uint64_t serverErrors = 0;
    uint64_t closedByServer = 0;
    // longline only: one SAY reaching every held connection.
    std::optional<double> roomMessageMs;
    int roomSize = 0; // connections registered when it was sent
    int roomReached = 0;
};

struct ServerResults
{
    ServerProgram program;
    std::string skipped; // non-empty: not run, and why
    std::vector<SweepRun> runs;
};

// Mass reconnect: N clients connect and send HELLO within a short spread
// while already registered probes ping the server.
struct StormRun
{
    int n = 0;
    bool started = false;
    std::string note;
    double spreadSeconds = 0;
    int welcomed = 0;
    std::optional<double> allWelcomedSeconds; // first connect to last WELCOME
    LatencyFigures probePings;
};

// Chat messages at a steady rate from random clients; ACK latency.
struct AckRun
{
    int clients = 0;
    bool started = false;
    std::string note;
    double ratePerSecond = 0;
    // SAYID to ACK: until the kernel queued the ACK on the client's socket
    // (the target's figure), and until the load generator read it.
    LatencyFigures acks;
    LatencyFigures acksRead;
    int acksWithoutKernelTime = 0; // measured at the read instead
    uint64_t deliveriesExpected = 0;
    uint64_t deliveriesReceived = 0;
};

struct CompareResults
{
    Options options;
    std::string startedUtc;
    std::string machine;
    std::vector<ServerResults> servers;
    std::optional<StormRun> storm;
    std::optional<AckRun> ack;
};

CompareResults runCompare(const Options &options);

} // namespace longline::bench::compare
