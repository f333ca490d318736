#pragma once
// Turns SIGINT and SIGTERM into a Qt signal (self-pipe + QSocketNotifier), so
// Ctrl-C ends a session with QUIT instead of a silent close. A second signal
// gets the default action: a stuck quit can still be interrupted.

#include <QObject>
#include <QSocketNotifier>
#include <memory>

namespace longline::cli {

class QuitSignals : public QObject
{
    Q_OBJECT
public:
    // One instance per process: the handlers write to its pipe.
    explicit QuitSignals(QObject *parent = nullptr);
    ~QuitSignals() override;

Q_SIGNALS:
    void quitRequested(int signalNumber);

private:
    void onReadable();

    int m_fds[2] = {-1, -1};
    std::unique_ptr<QSocketNotifier> m_notifier;
};

} // namespace longline::cli
