#pragma once
// The compact health line in the status bar, always in view: the
// connection's state, the last round trip, the silence since the last
// byte, when the next probe goes out, and the detection budget in force.
// Fed by ChatClient and its ConnectionLiveness alone. When the window is
// narrow the less important fields give way, from the right.

#include "chatclient.h"

#include <QTimer>
#include <QWidget>

class QLabel;

namespace longline::app {

class HealthLine : public QWidget
{
    Q_OBJECT
public:
    // How often the silence and the next probe are redrawn while online.
    static constexpr Millis Tick{1000};
    // Data unacknowledged this long is shown as pausing keepalive (a round
    // trip on a working path is far shorter).
    static constexpr Millis AckWaitShown{1000};

    explicit HealthLine(ChatClient *client, QWidget *parent = nullptr);

    // Re-reads everything; the window calls it when the settings changed.
    void refresh();

    QString text() const; // the visible fields joined, for tests
    QSize minimumSizeHint() const override;
    QSize sizeHint() const override;

protected:
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    QLabel *field(const QString &name);
    // Shows the fields in priority order while they fit the width.
    void fitFields();

    ChatClient *m_client;
    QTimer m_tick;
    // In priority order: the first ones stay when space is short.
    QLabel *m_state;
    QLabel *m_budget;
    QLabel *m_rtt;
    QLabel *m_silence;
    QLabel *m_next;
    QList<QLabel *> m_fields;
};

} // namespace longline::app
