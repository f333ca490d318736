// longline-bench: holds N concurrent clients on one server, has them chat in
// rounds, and writes down what happened: every message delivered to every
// client in order (or not), acknowledgement latency, delivery throughput and
// the server's resident memory after each round (flat, or growing).

#include "compare/comparecommand.h"
#include "loadclient.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sys/resource.h>

using namespace longline::bench;

namespace {

qint64 residentKiB(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    return -1;
}

void raiseFileLimit()
{
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

double percentile(QList<double> v, double p)
{
    if (v.isEmpty())
        return 0;
    std::sort(v.begin(), v.end());
    const qsizetype rank =
        std::clamp<qsizetype>(qsizetype(std::ceil(p * double(v.size()))) - 1, 0, v.size() - 1);
    return v.at(rank);
}

// Waits in the event loop until `done` or the deadline; false on timeout.
template <typename F> bool waitUntil(F done, qint64 deadlineMs, const QElapsedTimer &clock)
{
    while (!done()) {
        if (clock.elapsed() > deadlineMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    }
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    // `longline-bench compare ...`: the cross-server comparison, which runs
    // its own epoll load generator and no Qt event loop.
    if (argc > 1 && std::strcmp(argv[1], "compare") == 0)
        return longline::bench::compare::compareMain(argc, argv);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("longline-bench"));
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Holds many concurrent Longline clients and measures delivery, latency and "
                       "server memory. `longline-bench compare --help` compares servers."));
    parser.addHelpOption();
    const QCommandLineOption hostOpt(
        QStringLiteral("host"),
        QStringLiteral("Server address (loopback or a lab namespace only)."),
        QStringLiteral("HOST"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption portOpt(QStringLiteral("port"), QStringLiteral("Server port."),
                                     QStringLiteral("PORT"), QStringLiteral("9999"));
    const QCommandLineOption clientsOpt(QStringLiteral("clients"),
                                        QStringLiteral("Concurrent clients."), QStringLiteral("N"),
                                        QStringLiteral("1000"));
    const QCommandLineOption messagesOpt(QStringLiteral("messages"),
                                         QStringLiteral("Messages each client sends per round."),
                                         QStringLiteral("M"), QStringLiteral("1"));
    const QCommandLineOption roundsOpt(
        QStringLiteral("rounds"), QStringLiteral("Rounds of chat (memory is sampled after each)."),
        QStringLiteral("R"), QStringLiteral("6"));
    const QCommandLineOption spreadOpt(
        QStringLiteral("spread"), QStringLiteral("Seconds over which a round's messages are sent."),
        QStringLiteral("S"), QStringLiteral("2"));
    const QCommandLineOption timeoutOpt(QStringLiteral("timeout"),
                                        QStringLiteral("Give up after this many seconds in all."),
                                        QStringLiteral("S"), QStringLiteral("300"));
    const QCommandLineOption pidOpt(QStringLiteral("server-pid"),
                                    QStringLiteral("PID of the server, to sample its memory."),
                                    QStringLiteral("PID"), QStringLiteral("0"));
    const QCommandLineOption outOpt(QStringLiteral("out"),
                                    QStringLiteral("Write the figures as JSON to FILE."),
                                    QStringLiteral("FILE"));
    parser.addOptions({hostOpt, portOpt, clientsOpt, messagesOpt, roundsOpt, spreadOpt, timeoutOpt,
                       pidOpt, outOpt});
    parser.process(app);

    raiseFileLimit();
    const QString host = parser.value(hostOpt);
    const quint16 port = quint16(parser.value(portOpt).toUInt());
    const int clients = std::max(1, parser.value(clientsOpt).toInt());
    const int perRound = std::max(1, parser.value(messagesOpt).toInt());
    const int rounds = std::max(1, parser.value(roundsOpt).toInt());
    const int spreadMs = int(parser.value(spreadOpt).toDouble() * 1000);
    const qint64 timeoutMs = qint64(parser.value(timeoutOpt).toDouble() * 1000);
    const qint64 serverPid = parser.value(pidOpt).toLongLong();

    QElapsedTimer clock;
    clock.start();
    QList<LoadClient *> all;
    // Connect in waves so the accept queue and the SYN backlog are not the
    // thing being measured.
    constexpr int Wave = 100;
    for (int i = 0; i < clients; ++i) {
        auto *c = new LoadClient(i, &app);
        all.append(c);
        c->start(host, port);
        if ((i + 1) % Wave == 0)
            waitUntil(
                [&] {
                    return std::all_of(all.begin(), all.end(), [](LoadClient *x) {
                        return x->online() || !x->failure().isEmpty();
                    });
                },
                timeoutMs, clock);
    }
    const bool allOnline = waitUntil(
        [&] {
            return std::all_of(all.begin(), all.end(), [](LoadClient *x) {
                return x->online() || !x->failure().isEmpty();
            });
        },
        timeoutMs, clock);
    const qint64 connectMs = clock.elapsed();
    int online =
        int(std::count_if(all.begin(), all.end(), [](LoadClient *c) { return c->online(); }));
    std::fprintf(stderr, "bench: %d/%d clients online after %lld ms\n", online, clients,
                 (long long)connectMs);

    QJsonArray roundFigures;
    qint64 expectedPerClient = 0;
    bool delivered = allOnline && online == clients;
    const qint64 rssStart = serverPid > 0 ? residentKiB(serverPid) : -1;
    for (int r = 0; r < rounds && delivered; ++r) {
        QElapsedTimer roundClock;
        roundClock.start();
        // Every client sends its messages at evenly spread moments.
        const int total = clients * perRound;
        for (int k = 0; k < total; ++k) {
            LoadClient *c = all.at(k % clients);
            QTimer::singleShot(spreadMs * k / std::max(1, total), c, [c] { c->sendOne(); });
        }
        expectedPerClient += total;
        delivered = waitUntil(
            [&] {
                return std::all_of(all.begin(), all.end(), [&](LoadClient *c) {
                    return c->received() >= expectedPerClient;
                });
            },
            timeoutMs, clock);
        const qint64 ms = roundClock.elapsed();
        const qint64 rss = serverPid > 0 ? residentKiB(serverPid) : -1;
        roundFigures.append(
            QJsonObject{{QStringLiteral("round"), r + 1},
                        {QStringLiteral("messages"), total},
                        {QStringLiteral("deliveries"), qint64(total) * clients},
                        {QStringLiteral("ms"), ms},
                        {QStringLiteral("deliveries_per_s"),
                         ms > 0 ? double(total) * clients * 1000.0 / double(ms) : 0.0},
                        {QStringLiteral("server_rss_kib"), rss},
                        {QStringLiteral("all_delivered"), delivered}});
        std::fprintf(
            stderr,
            "bench: round %d: %d messages, %lld deliveries in %lld ms, server RSS %lld KiB%s\n",
            r + 1, total, (long long)total * clients, (long long)ms, (long long)rss,
            delivered ? "" : " (NOT all delivered)");
    }

    qint64 received = 0, outOfOrder = 0, duplicates = 0, acked = 0, sent = 0;
    QList<double> latencies;
    QStringList failures;
    for (LoadClient *c : all) {
        received += c->received();
        outOfOrder += c->outOfOrder();
        duplicates += c->duplicates();
        acked += c->acked();
        sent += c->sent();
        latencies += c->latenciesMs();
        if (!c->failure().isEmpty() && failures.size() < 5)
            failures.append(QStringLiteral("load%1: %2").arg(c->index()).arg(c->failure()));
    }
    for (LoadClient *c : all)
        c->quit();
    waitUntil([] { return false; }, clock.elapsed() + 300, clock);

    // Flat: once the first rounds have warmed caches and buffers to their
    // high-water mark, later rounds may not keep adding memory. Compare the
    // peak of the second half of the rounds with the peak of the first half
    // Slack: 25% + 8 MiB, because the high-water mark of output buffers
    // depends on how far the clients fell behind in a round. A real leak is
    // far larger: even 16 bytes per delivery is 16 MB per round here.
    qint64 firstHalfPeak = -1, secondHalfPeak = -1;
    for (int i = 0; i < roundFigures.size(); ++i) {
        const qint64 rss =
            roundFigures.at(i).toObject().value(QStringLiteral("server_rss_kib")).toInteger();
        qint64 &peak = i < (roundFigures.size() + 1) / 2 ? firstHalfPeak : secondHalfPeak;
        peak = std::max(peak, rss);
    }
    const qint64 firstRss = firstHalfPeak;
    const qint64 lastRss = secondHalfPeak < 0 ? firstHalfPeak : secondHalfPeak;
    const bool memoryFlat =
        serverPid <= 0 || (firstRss > 0 && lastRss <= firstRss + firstRss / 4 + 8192);
    const bool ok = delivered && outOfOrder == 0 && duplicates == 0 && acked == sent && memoryFlat;

    QJsonObject figures{
        {QStringLiteral("clients"), clients},
        {QStringLiteral("online"), online},
        {QStringLiteral("connect_ms"), connectMs},
        {QStringLiteral("rounds"), roundFigures},
        {QStringLiteral("messages_sent"), sent},
        {QStringLiteral("messages_acked"), acked},
        {QStringLiteral("deliveries_expected"), expectedPerClient * clients},
        {QStringLiteral("deliveries_received"), received},
        {QStringLiteral("out_of_order"), outOfOrder},
        {QStringLiteral("duplicates"), duplicates},
        {QStringLiteral("ack_latency_ms_p50"), percentile(latencies, 0.5)},
        {QStringLiteral("ack_latency_ms_p95"), percentile(latencies, 0.95)},
        {QStringLiteral("ack_latency_ms_max"), percentile(latencies, 1.0)},
        {QStringLiteral("server_rss_kib_before"), rssStart},
        {QStringLiteral("server_rss_kib_peak_first_half"), firstRss},
        {QStringLiteral("server_rss_kib_peak_second_half"), lastRss},
        {QStringLiteral("memory_flat"), memoryFlat},
        {QStringLiteral("failures"), QJsonArray::fromStringList(failures)},
        {QStringLiteral("ok"), ok},
    };
    const QByteArray json = QJsonDocument(figures).toJson(QJsonDocument::Indented);
    if (parser.isSet(outOpt)) {
        QFile out(parser.value(outOpt));
        if (out.open(QIODevice::WriteOnly | QIODevice::Truncate))
            out.write(json);
    }
    std::fwrite(json.constData(), 1, size_t(json.size()), stdout);
    return ok ? 0 : 1;
}
