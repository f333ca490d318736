#include "report.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace longline::bench::compare {

namespace {

constexpr double MemoryTargetKiB = 1.0;
constexpr double CpuVsMosquitto = 0.8;
constexpr double CpuFlatness = 1.2;
constexpr double IdleCpuTargetPercent = 3.0;
constexpr double StormWelcomeSeconds = 10.0;
constexpr double StormPingP99Ms = 50.0;
constexpr double RoomMessageMs = 1000.0;
constexpr double AckP99Ms = 20.0;

std::string num(const char *f, double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

std::string opt(const std::optional<double> &v, const char *f = "%.2f")
{
    return v ? num(f, *v) : "-";
}

const ServerResults *find(const CompareResults &r, ServerKind kind)
{
    for (const ServerResults &s : r.servers)
        if (s.program.kind == kind && s.skipped.empty())
            return &s;
    return nullptr;
}

const SweepRun *runAt(const ServerResults *s, int n)
{
    if (!s)
        return nullptr;
    for (const SweepRun &r : s->runs)
        if (r.n == n)
            return &r;
    return nullptr;
}

std::string nText(int n)
{
    std::string s = std::to_string(n);
    for (int i = int(s.size()) - 3; i > 0; i -= 3)
        s.insert(size_t(i), ",");
    return s;
}

// A note may quote a server's log; a '|' in it would split the table cell.
std::string cell(std::string s)
{
    std::replace(s.begin(), s.end(), '|', '/');
    return s;
}

QJsonValue jv(const std::optional<double> &v)
{
    return v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null);
}

QJsonObject latencyJson(const LatencyFigures &f)
{
    return {{"sent", f.sent},
            {"answered", f.answered},
            {"p50_ms", jv(f.p50Ms)},
            {"p99_ms", jv(f.p99Ms)}};
}

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

// CPU per PING of `a` over `b`'s at one N; absent unless both settled.
std::optional<double> cpuRatio(const SweepRun *a, const SweepRun *b)
{
    if (!a || !b || !a->settled || !b->settled || !a->cpuPerPingUs || !b->cpuPerPingUs ||
        *b->cpuPerPingUs <= 0)
        return std::nullopt;
    return *a->cpuPerPingUs / *b->cpuPerPingUs;
}

// The floor's CPU per PING over mosquitto's at each N, e.g. " (floor: 0.81
// at 1,000, 0.62 at 19,500)": the targets are ratios, and this is the least
// the ratio can be on this kernel with this load generator. Empty when the
// floor was not run.
std::string floorRatios(const CompareResults &r, const ServerResults *floor,
                        const ServerResults *mq)
{
    if (!floor || !mq)
        return {};
    std::string text;
    for (int n : r.options.sizes)
        text += (text.empty() ? "" : ", ") + opt(cpuRatio(runAt(floor, n), runAt(mq, n))) + " at " +
                nText(n);
    return " (floor: " + text + ")";
}

} // namespace

std::vector<Target> evaluateTargets(const CompareResults &r)
{
    std::vector<Target> t;
    const ServerResults *ll = find(r, ServerKind::Longline);
    const ServerResults *mq = find(r, ServerKind::Mosquitto);
    const std::vector<int> &sizes = r.options.sizes;
    if (!ll || sizes.empty())
        return {{"longline-server measured", "not run", false}};
    const int nMax = *std::max_element(sizes.begin(), sizes.end());
    const SweepRun *top = runAt(ll, nMax);
    const bool topOk = top && top->settled;

    {
        Target x{"memory per idle registered connection <= 1 KiB at " + nText(nMax), "-", false};
        if (top && top->rssPerConnKiB)
            x.figure = num("%.2f KiB", *top->rssPerConnKiB);
        if (!topOk)
            x.figure += " (did not settle)";
        x.holds = topOk && top->rssPerConnKiB && *top->rssPerConnKiB <= MemoryTargetKiB;
        t.push_back(x);
    }
    {
        Target x{"CPU per PING <= 0.8 x mosquitto's at every N", "", false};
        bool all = true;
        for (int n : sizes) {
            const std::optional<double> ratio = cpuRatio(runAt(ll, n), runAt(mq, n));
            all = all && ratio && *ratio <= CpuVsMosquitto;
            x.figure += (x.figure.empty() ? "" : ", ") + opt(ratio) + " at " + nText(n);
        }
        x.figure += floorRatios(r, find(r, ServerKind::Floor), mq);
        x.holds = mq ? std::optional<bool>(all) : std::nullopt;
        if (!mq)
            x.figure = "mosquitto not run";
        t.push_back(x);
    }
    {
        Target x{"CPU per PING within 1.2 x of itself across N", "-", false};
        double lo = 1e18, hi = 0;
        bool all = true;
        for (int n : sizes) {
            const SweepRun *a = runAt(ll, n);
            if (a && a->settled && a->cpuPerPingUs) {
                lo = std::min(lo, *a->cpuPerPingUs);
                hi = std::max(hi, *a->cpuPerPingUs);
            } else {
                all = false;
            }
        }
        if (hi > 0 && lo > 0)
            x.figure =
                num("%.2f x", hi / lo) + " (" + num("%.1f", lo) + " to " + num("%.1f us", hi) + ")";
        if (!all)
            x.figure += " (not every N settled)";
        x.holds = all && lo > 0 && hi / lo <= CpuFlatness;
        t.push_back(x);
    }
    {
        Target x{"PING to PONG p99 no worse than mosquitto's at every N", "", false};
        bool all = true;
        for (int n : sizes) {
            const SweepRun *a = runAt(ll, n), *b = runAt(mq, n);
            const bool ok = a && b && a->settled && b->settled && a->pings.p99Ms &&
                            b->pings.p99Ms && *a->pings.p99Ms <= *b->pings.p99Ms;
            all = all && ok;
            x.figure += (x.figure.empty() ? "" : ", ") +
                        (a ? opt(a->pings.p99Ms) : std::string("-")) + " vs " +
                        (b ? opt(b->pings.p99Ms) : std::string("-")) + " ms at " + nText(n);
        }
        x.holds = mq ? std::optional<bool>(all) : std::nullopt;
        t.push_back(x);
    }
    {
        Target x{"idle server CPU with " + nText(nMax) + " registered, heartbeat 15,10: < 3 %", "-",
                 false};
        if (top && top->idleCpuPercent)
            x.figure = num("%.2f %%", *top->idleCpuPercent);
        if (!topOk)
            x.figure += " (did not settle)";
        x.holds = topOk && top->idleCpuPercent && *top->idleCpuPercent < IdleCpuTargetPercent;
        t.push_back(x);
    }
    if (r.storm) {
        const StormRun &s = *r.storm;
        Target w{"mass reconnect: " + nText(s.n) + " HELLOs within " +
                     num("%.0f", s.spreadSeconds) + " s all welcomed within 10 s",
                 std::to_string(s.welcomed) + " of " + std::to_string(s.n) + " welcomed", false};
        if (s.allWelcomedSeconds)
            w.figure += num(" in %.2f s", *s.allWelcomedSeconds);
        w.holds = s.welcomed == s.n && s.allWelcomedSeconds &&
                  *s.allWelcomedSeconds <= StormWelcomeSeconds;
        t.push_back(w);
        Target p{"PING p99 during the storm < 50 ms", opt(s.probePings.p99Ms) + " ms", false};
        p.holds = s.probePings.p99Ms && *s.probePings.p99Ms < StormPingP99Ms;
        t.push_back(p);
    }
    {
        Target x{"one message to a room of " + nText(nMax) + " delivered to all within 1 s", "-",
                 false};
        if (top && top->roomMessageMs)
            x.figure = num("%.0f ms", *top->roomMessageMs);
        else if (top && !top->started)
            x.figure = "not measured: " + top->note;
        else if (top)
            x.figure = "reached " + std::to_string(top->roomReached) + " of " +
                       std::to_string(top->roomSize);
        x.holds = topOk && top->roomMessageMs && *top->roomMessageMs <= RoomMessageMs;
        t.push_back(x);
    }
    if (r.ack) {
        const AckRun &a = *r.ack;
        Target x{"ACK p99 < 20 ms at 100 msg/s with " + nText(a.clients) + " clients",
                 opt(a.acks.p99Ms) + " ms (" + std::to_string(a.acks.answered) + " of " +
                     std::to_string(a.acks.sent) + " acked)",
                 false};
        x.holds = a.acks.p99Ms && *a.acks.p99Ms < AckP99Ms;
        t.push_back(x);
    }
    return t;
}

std::string markdownReport(const CompareResults &r, const std::vector<Target> &targets)
{
    std::string md;
    md += "Measured " + r.startedUtc + " on " + r.machine + (r.options.quick ? " (--quick)" : "") +
          ".\n\n";
    for (const ServerResults &s : r.servers)
        md += "- " + std::string(serverName(s.program.kind)) + ": " +
              (s.skipped.empty() ? s.program.path + " (" + s.program.version + ")"
                                 : "skipped, " + s.skipped) +
              "\n";
    md += "\n| server | N | registered | memory/conn (KiB) | idle CPU (%) | CPU/ping (us) | "
          "PING p50 (ms) | PING p99 (ms) | pongs | note |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n";
    for (const ServerResults &s : r.servers)
        for (const SweepRun &x : s.runs)
            md += "| " + std::string(serverName(s.program.kind)) + " | " + nText(x.n) + " | " +
                  nText(x.registered) + " | " + opt(x.rssPerConnKiB) + " | " +
                  opt(x.idleCpuPercent) + " | " + opt(x.cpuPerPingUs, "%.1f") + " | " +
                  opt(x.pings.p50Ms, "%.3f") + " | " + opt(x.pings.p99Ms, "%.3f") + " | " +
                  std::to_string(x.pings.answered) + "/" + std::to_string(x.pings.sent) + " | " +
                  cell(x.note) + " |\n";
    for (const ServerResults &s : r.servers)
        for (const SweepRun &x : s.runs)
            if (s.program.kind == ServerKind::Longline && x.started)
                md += "\n- longline-server, N=" + nText(x.n) +
                      ": one message to the room reached " + nText(x.roomReached) + " of " +
                      nText(x.roomSize) +
                      (x.roomMessageMs ? num(" in %.0f ms", *x.roomMessageMs) : "") + ".";
    if (r.storm) {
        const StormRun &st = *r.storm;
        md += "\n- Mass reconnect: " + nText(st.n) + " clients connecting over " +
              num("%.0f s", st.spreadSeconds) + ", " + nText(st.welcomed) + " welcomed" +
              (st.allWelcomedSeconds
                   ? num(", the last %.2f s after the first connect", *st.allWelcomedSeconds)
                   : "") +
              "; probe PINGs answered " + std::to_string(st.probePings.answered) + "/" +
              std::to_string(st.probePings.sent) + ", p50 " + opt(st.probePings.p50Ms) +
              " ms, p99 " + opt(st.probePings.p99Ms) + " ms" +
              (st.note.empty() ? "" : " (" + cell(st.note) + ")") + ".";
    }
    if (r.ack) {
        const AckRun &a = *r.ack;
        md += "\n- ACK latency: " + nText(a.clients) + " clients, " + num("%.0f", a.ratePerSecond) +
              " SAYID/s: " + std::to_string(a.acks.answered) + "/" + std::to_string(a.acks.sent) +
              " acked, p50 " + opt(a.acks.p50Ms) + " ms, p99 " + opt(a.acks.p99Ms) +
              " ms at the client's kernel (p50 " + opt(a.acksRead.p50Ms) + " ms, p99 " +
              opt(a.acksRead.p99Ms) + " ms when the load generator read them" +
              (a.acksWithoutKernelTime > 0
                   ? ", " + std::to_string(a.acksWithoutKernelTime) + " without a kernel time"
                   : std::string()) +
              "); " + nText(int(a.deliveriesReceived)) + " of " + nText(int(a.deliveriesExpected)) +
              " MSG deliveries" + (a.note.empty() ? "" : " (" + cell(a.note) + ")") + ".";
    }
    md += "\n";
    md += "\n| target | figure | holds |\n| --- | --- | --- |\n";
    for (const Target &t : targets)
        md += "| " + t.name + " | " + cell(t.figure) + " | " +
              (t.holds ? (*t.holds ? "yes" : "**no**") : "n/a") + " |\n";
    return md;
}

std::string jsonReport(const CompareResults &r, const std::vector<Target> &targets)
{
    QJsonArray servers;
    for (const ServerResults &s : r.servers) {
        QJsonArray runs;
        for (const SweepRun &x : s.runs) {
            QJsonObject o{{"n", x.n},
                          {"started", x.started},
                          {"settled", x.settled},
                          {"note", qs(x.note)},
                          {"registered", x.registered},
                          {"connect_s", x.connectSeconds},
                          {"rss_before_kib", double(x.rssBeforeKiB)},
                          {"rss_after_kib", double(x.rssAfterKiB)},
                          {"rss_per_conn_kib", jv(x.rssPerConnKiB)},
                          {"idle_cpu_percent", jv(x.idleCpuPercent)},
                          {"idle_window_s", x.idleWindowSeconds},
                          {"pings", latencyJson(x.pings)},
                          {"cpu_per_ping_us", jv(x.cpuPerPingUs)},
                          {"loadgen_cpu_per_ping_us", jv(x.loadgenCpuPerPingUs)},
                          {"server_errors", double(x.serverErrors)},
                          {"closed_by_server", double(x.closedByServer)}};
            if (s.program.kind == ServerKind::Longline) {
                o.insert("room_message_ms", jv(x.roomMessageMs));
                o.insert("room_size", x.roomSize);
                o.insert("room_reached", x.roomReached);
            }
            runs.append(o);
        }
        servers.append(QJsonObject{{"name", serverName(s.program.kind)},
                                   {"program", qs(s.program.path)},
                                   {"version", qs(s.program.version)},
                                   {"skipped", qs(s.skipped)},
                                   {"runs", runs}});
    }
    QJsonArray sizes;
    for (int n : r.options.sizes)
        sizes.append(n);
    QJsonObject root{{"started_utc", qs(r.startedUtc)},
                     {"machine", qs(r.machine)},
                     {"quick", r.options.quick},
                     {"sizes", sizes},
                     {"servers", servers}};
    if (r.storm) {
        const StormRun &s = *r.storm;
        root.insert("storm", QJsonObject{{"n", s.n},
                                         {"started", s.started},
                                         {"note", qs(s.note)},
                                         {"spread_s", s.spreadSeconds},
                                         {"welcomed", s.welcomed},
                                         {"all_welcomed_s", jv(s.allWelcomedSeconds)},
                                         {"probe_pings", latencyJson(s.probePings)}});
    }
    if (r.ack) {
        const AckRun &a = *r.ack;
        root.insert("ack", QJsonObject{{"clients", a.clients},
                                       {"started", a.started},
                                       {"note", qs(a.note)},
                                       {"rate_per_s", a.ratePerSecond},
                                       {"acks", latencyJson(a.acks)},
                                       {"acks_read", latencyJson(a.acksRead)},
                                       {"acks_without_kernel_time", a.acksWithoutKernelTime},
                                       {"deliveries_expected", double(a.deliveriesExpected)},
                                       {"deliveries_received", double(a.deliveriesReceived)}});
    }
    QJsonArray ts;
    for (const Target &t : targets)
        ts.append(QJsonObject{{"target", qs(t.name)},
                              {"figure", qs(t.figure)},
                              {"holds", t.holds ? QJsonValue(*t.holds) : QJsonValue()}});
    root.insert("targets", ts);
    return QJsonDocument(root).toJson(QJsonDocument::Indented).toStdString();
}

namespace {

std::string executableDir()
{
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return ".";
    std::string path(buf, size_t(n));
    return path.substr(0, path.rfind('/'));
}

// Debian's python3-matplotlib belongs to /usr/bin/python3; a python3 first
// on PATH (pyenv, a venv) may not have it.
std::string python()
{
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

} // namespace

bool writeReports(const CompareResults &r, const std::vector<Target> &targets)
{
    const std::string dir = r.options.outDir;
    mkdir(dir.c_str(), 0755);
    bool ok = true;
    for (const auto &[name, text] :
         {std::pair{std::string("/results.json"), jsonReport(r, targets)},
          std::pair{std::string("/results.md"), markdownReport(r, targets)}}) {
        std::ofstream out(dir + name);
        out << text;
        if (!out) {
            std::fprintf(stderr, "compare: cannot write %s%s\n", dir.c_str(), name.c_str());
            ok = false;
        }
    }
    const std::string script = executableDir() + "/plot_compare.py";
    if (access(script.c_str(), R_OK) != 0) {
        std::fprintf(stderr, "compare: no chart: %s is missing\n", script.c_str());
        return false;
    }
    const pid_t pid = fork();
    if (pid == 0) {
        const std::string py = python(), json = dir + "/results.json", png = dir + "/chart.png";
        execlp(py.c_str(), py.c_str(), script.c_str(), json.c_str(), png.c_str(),
               static_cast<char *>(nullptr));
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "compare: no chart: plot_compare.py failed (python3-matplotlib?)\n");
        ok = false;
    }
    return ok;
}

} // namespace longline::bench::compare
