#pragma once
// Find in the conversation (Ctrl+F): a bar above the input line; Enter
// jumps to the next older message containing the text, Shift+Enter to the
// next newer one; the match is selected and centred. Escape closes it.

#include <QWidget>

class QLabel;
class QLineEdit;

namespace longline::app {

class ChatView;

class ChatSearch : public QWidget
{
    Q_OBJECT
public:
    explicit ChatSearch(ChatView *view, QWidget *parent = nullptr);

    // Shows the bar with the keyboard in its field.
    void open();
    // Finds `text` from the current match on, older first; returns the row
    // or -1 when nothing matches.
    int findOlder();
    int findNewer();
    QLineEdit *field() const { return m_field; }
    QString status() const;

Q_SIGNALS:
    void closed();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    int find(int direction);

    ChatView *m_view;
    QLineEdit *m_field;
    QLabel *m_status;
};

} // namespace longline::app
