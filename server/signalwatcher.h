#pragma once
// Turns Unix signals (SIGINT, SIGTERM) into a Qt signal, safely: the
// handler only writes the signal number into a socket pair (the self-pipe
// trick) and a QSocketNotifier reads it in the event loop, where any code
// may run.

#include <QObject>
#include <initializer_list>

class QSocketNotifier;

namespace longline::server {

class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    // One watcher per process: the handler writes to a process-wide pipe.
    explicit SignalWatcher(std::initializer_list<int> signalNumbers, QObject *parent = nullptr);
    ~SignalWatcher() override;

    bool isValid() const { return m_notifier != nullptr; }
    QString errorString() const { return m_error; }
    static QString signalName(int signalNumber); // "SIGTERM"

Q_SIGNALS:
    void received(int signalNumber);

private:
    void onReadable();
    static void handler(int signalNumber);

    QSocketNotifier *m_notifier = nullptr;
    QString m_error;
};

} // namespace longline::server
