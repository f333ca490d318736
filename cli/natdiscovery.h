#pragma once
// longline-cli --discover-nat-timeout: measures how long the path to the
// server keeps an idle TCP mapping (IdleTimeoutProber), writes each round
// and probe as events on stderr and the result as one sentence on stdout,
// with the keep-warm interval it allows.

#include "clioptions.h"
#include "eventlog.h"
#include "idletimeoutprober.h"
#include "quitsignals.h"

#include <QObject>

namespace longline::cli {

class NatDiscovery : public QObject
{
    Q_OBJECT

public:
    explicit NatDiscovery(const CliOptions &options, QObject *parent = nullptr);

    void start();

Q_SIGNALS:
    void finished(int status);

private:
    void onFinished(const IdleTimeoutResult &result);

    CliOptions m_options;
    EventLog m_events;
    IdleTimeoutProber m_prober;
    QuitSignals m_signals;
};

} // namespace longline::cli
