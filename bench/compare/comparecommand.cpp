#include "comparecommand.h"

#include "compare.h"
#include "report.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace longline::bench::compare {

namespace {

constexpr int QuickDefaultSize = 200;

void usage(FILE *to)
{
    std::fprintf(to, "Usage: longline-bench compare [--sizes N,N,...] [--out DIR] [--server PATH] "
                     "[--servers LIST] [--quick] [--perf] [--no-pin] [--let-idle]\n"
                     "Runs the same load against longline-server, mosquitto and redis-server on "
                     "loopback and prints the issue-9 targets; the floor (longline-floor, a "
                     "server that does no work, next to this program) shows the least CPU a "
                     "PING can cost here.\n"
                     "  --sizes   connection counts (default 1000,5000,10000,19500; --quick: 200)\n"
                     "  --out     directory for results.json, results.md, chart.png and the "
                     "servers' scratch files (default bench-compare)\n"
                     "  --server  the longline-server binary to measure (default: "
                     "$LONGLINE_SERVER_BIN, else ../server/longline-server next to this program)\n"
                     "  --servers which servers to run (default longline,mosquitto,redis,floor)\n"
                     "  --quick   short phases, for a smoke run\n"
                     "  --perf    perf record longline-server's idle and PING phases into "
                     "DIR/perf-longline-N.{data,txt} (its CPU figures then include perf's cost)\n"
                     "  --no-pin  leave CPUs to the scheduler (default: the load generator on "
                     "one CPU, every server on another, when there are two)\n"
                     "  --let-idle  let the servers' CPU idle between PINGs (default: an "
                     "idle-priority spinner keeps it awake, so a virtual CPU's wakeups are not "
                     "charged to the server)\n");
}

bool parseSizes(const std::string &text, std::vector<int> &sizes)
{
    sizes.clear();
    size_t pos = 0;
    while (pos <= text.size()) {
        const size_t comma = std::min(text.find(',', pos), text.size());
        const std::string item = text.substr(pos, comma - pos);
        char *end = nullptr;
        const long n = std::strtol(item.c_str(), &end, 10);
        if (item.empty() || *end != '\0' || n < 1 || n > 1000000)
            return false;
        sizes.push_back(int(n));
        pos = comma + 1;
    }
    return !sizes.empty();
}

bool parseServers(const std::string &text, std::vector<ServerKind> &servers)
{
    servers.clear();
    size_t pos = 0;
    while (pos <= text.size()) {
        const size_t comma = std::min(text.find(',', pos), text.size());
        const std::string item = text.substr(pos, comma - pos);
        if (item == "longline")
            servers.push_back(ServerKind::Longline);
        else if (item == "mosquitto")
            servers.push_back(ServerKind::Mosquitto);
        else if (item == "redis")
            servers.push_back(ServerKind::Redis);
        else if (item == "floor")
            servers.push_back(ServerKind::Floor);
        else
            return false;
        pos = comma + 1;
    }
    return !servers.empty();
}

// The directory of this program in the build tree; empty when unknown.
std::string ownDirectory()
{
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return {};
    std::string path(buf, size_t(n));
    return path.substr(0, path.rfind('/'));
}

std::string defaultServer()
{
    if (const char *env = std::getenv("LONGLINE_SERVER_BIN"))
        return env;
    const std::string dir = ownDirectory();
    return dir.empty() ? "longline-server" : dir + "/../server/longline-server";
}

// bench/CMakeLists.txt builds longline-floor next to longline-bench.
std::string defaultFloor()
{
    const std::string dir = ownDirectory();
    return dir.empty() ? "longline-floor" : dir + "/longline-floor";
}

} // namespace

int compareMain(int argc, char **argv)
{
    Options options;
    options.longlineServer = defaultServer();
    options.floorServer = defaultFloor();
    bool sizesGiven = false;
    for (int i = 2; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool hasValue = i + 1 < argc;
        if (arg == "--quick") {
            options.quick = true;
        } else if (arg == "--perf") {
            options.profile = true;
        } else if (arg == "--no-pin") {
            options.pin = false;
        } else if (arg == "--let-idle") {
            options.keepAwake = false;
        } else if (arg == "--sizes" && hasValue) {
            if (!parseSizes(argv[++i], options.sizes)) {
                std::fprintf(stderr, "compare: --sizes wants positive numbers like 1000,5000\n");
                return 2;
            }
            sizesGiven = true;
        } else if (arg == "--servers" && hasValue) {
            if (!parseServers(argv[++i], options.servers)) {
                std::fprintf(
                    stderr, "compare: --servers wants names from longline,mosquitto,redis,floor\n");
                return 2;
            }
        } else if (arg == "--out" && hasValue) {
            options.outDir = argv[++i];
        } else if (arg == "--server" && hasValue) {
            options.longlineServer = argv[++i];
        } else if (arg == "-h" || arg == "--help") {
            usage(stdout);
            return 0;
        } else {
            std::fprintf(stderr, "compare: unknown or incomplete option '%s'\n", arg.c_str());
            usage(stderr);
            return 2;
        }
    }
    if (options.quick && !sizesGiven)
        options.sizes = {QuickDefaultSize};

    const CompareResults results = runCompare(options);
    const std::vector<Target> targets = evaluateTargets(results);
    const std::string md = markdownReport(results, targets);
    std::fwrite(md.data(), 1, md.size(), stdout);
    std::fflush(stdout);
    const bool written = writeReports(results, targets);
    bool measured = true;
    for (const ServerResults &s : results.servers)
        for (const SweepRun &r : s.runs)
            measured = measured && r.started;
    return written && measured ? 0 : 1;
}

} // namespace longline::bench::compare
