<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AppOptions</name>
    <message>
        <source>Longline: a chat client that shows how long TCP connections live and die.</source>
        <translation>长线：一个聊天客户端，展示 TCP 长连接如何存活、如何断开。</translation>
    </message>
    <message>
        <source>Server host.</source>
        <translation>服务器主机。</translation>
    </message>
    <message>
        <source>Server port (default 9999).</source>
        <translation>服务器端口（默认 9999）。</translation>
    </message>
    <message>
        <source>Your nick.</source>
        <translation>你的昵称。</translation>
    </message>
    <message>
        <source>Connect at once, without the dialog.</source>
        <translation>启动后立即连接，不显示连接对话框。</translation>
    </message>
    <message>
        <source>User interface language, e.g. zh_CN or en.</source>
        <translation>界面语言，例如 zh_CN 或 en。</translation>
    </message>
    <message>
        <source>Larger text for projectors.</source>
        <translation>放大字体，便于投影仪显示。</translation>
    </message>
    <message>
        <source>Unexpected argument: %1</source>
        <translation>多余的参数：%1</translation>
    </message>
    <message>
        <source>Bad port: %1</source>
        <translation>无效的端口：%1</translation>
    </message>
    <message>
        <source>OS TCP keepalive: idle seconds, probe interval seconds, probe count; or off. Replaces the saved setting.</source>
        <translation>系统 TCP 保活：空闲秒数、探测间隔秒数、探测次数；或 off。替换已保存的设置。</translation>
    </message>
    <message>
        <source>TCP_USER_TIMEOUT in ms, or off. Replaces the saved setting.</source>
        <translation>TCP_USER_TIMEOUT（毫秒），或 off。替换已保存的设置。</translation>
    </message>
    <message>
        <source>Application PING after INTERVAL s of silence, peer dead after INTERVAL + TIMEOUT s; or off. Replaces the saved setting.</source>
        <translation>静默 INTERVAL 秒后发送应用层 PING，静默 INTERVAL + TIMEOUT 秒后判定对端已断开；或 off。替换已保存的设置。</translation>
    </message>
    <message>
        <source>Idle timeout of the NAT gateway on the path, in seconds (0 = unknown); a connection it forgot is explained in those terms.</source>
        <translation>路径上 NAT 网关的空闲超时（秒，0 = 未知）；被网关遗忘的连接会据此加以解释。</translation>
    </message>
    <message>
        <source>seconds from 0 to 604800 expected</source>
        <translation>应为 0 到 604800 之间的秒数</translation>
    </message>
</context>
<context>
    <name>BudgetReport</name>
    <message>
        <source>OS keepalive: first probe after %1 of silence, then every %2; with the user timeout of %3 the kernel gives up at %4</source>
        <translation>系统保活：静默 %1后发送第一个探测包，之后每 %2 一个；在 %3的用户超时下，内核于 %4 时放弃</translation>
    </message>
    <message>
        <source>OS keepalive: %1 idle + %2 × %3 = %4</source>
        <translation>系统保活：空闲 %1 + %2 × %3 = %4</translation>
    </message>
    <message>
        <source>Heartbeats: a ping after %1 of silence, dead after %1 + %2 = %3</source>
        <translation>心跳：静默 %1后发送 PING，静默 %1 + %2 = %3后判定断开</translation>
    </message>
    <message>
        <source>Unacknowledged data is given up after %1 (TCP user timeout)</source>
        <translation>未被确认的数据在 %1后放弃（TCP 用户超时）</translation>
    </message>
    <message>
        <source>No liveness mechanism: an idle connection that dies silently is never noticed, and nothing keeps NAT mappings fresh.</source>
        <translation>未启用任何存活检测：空闲连接悄无声息地断开后永远不会被发现，也没有任何机制让 NAT 映射保持有效。</translation>
    </message>
    <message>
        <source>Keepalive pauses while sent data is unacknowledged: a message sent into a dead link takes about 15 minutes of retransmissions to fail. Set a TCP user timeout.</source>
        <translation>已发送的数据未被确认时，保活会暂停：发进已断链路的消息要经过约 15 分钟的重传才会失败。请设置 TCP 用户超时。</translation>
    </message>
    <message>
        <source>Keepalive idle time %1 is not shorter than the NAT idle timeout %2: the mapping expires before the first probe.</source>
        <translation>保活空闲时间 %1 不短于 NAT 空闲超时 %2：映射会在第一个探测包发出之前过期。</translation>
    </message>
    <message>
        <source>Heartbeat interval %1 is not shorter than the NAT idle timeout %2: the mapping expires before the next ping.</source>
        <translation>心跳间隔 %1 不短于 NAT 空闲超时 %2：映射会在下一次 PING 之前过期。</translation>
    </message>
    <message>
        <source>Nothing keeps the NAT mapping fresh: an idle connection dies silently after %1.</source>
        <translation>没有任何机制让 NAT 映射保持有效：空闲连接会在 %1后悄无声息地断开。</translation>
    </message>
    <message>
        <source>Worst-case detection: never (no mechanism enabled)</source>
        <translation>最坏情况下的发现时间：永远不会（未启用任何机制）</translation>
    </message>
    <message>
        <source>Worst-case detection: %1</source>
        <translation>最坏情况下的发现时间：%1</translation>
    </message>
    <message>
        <source>The server accepts a ping at most every %1, so heartbeats run at that interval instead of %2 and the budget grows to match.</source>
        <translation>服务器最多每 %1 接受一次 PING，因此心跳会以这个间隔运行，而不是 %2，发现断开的预期时间也相应变长。</translation>
    </message>
</context>
<context>
    <name>Duration</name>
    <message>
        <source>%1 ms</source>
        <translation>%1 毫秒</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 分 %2 秒</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分</translation>
    </message>
</context>
<context>
    <name>LivenessPreset</name>
    <message>
        <source>Longline default</source>
        <translation>长线默认</translation>
    </message>
    <message>
        <source>Keepalive 60/5/3 with a 30 s user timeout, heartbeats 15 s + 10 s</source>
        <translation>保活 60/5/3，用户超时 30 秒，心跳 15 秒 + 10 秒</translation>
    </message>
    <message>
        <source>Linux defaults</source>
        <translation>Linux 默认值</translation>
    </message>
    <message>
        <source>Kernel keepalive defaults 7200/75/9: over two hours to notice</source>
        <translation>内核保活默认值 7200/75/9：要两个多小时才能发现断开</translation>
    </message>
    <message>
        <source>Original write-up</source>
        <translation>原文设置</translation>
    </message>
    <message>
        <source>Keepalive 60/5/3 as in the article that started it all</source>
        <translation>保活 60/5/3，与启发本项目的那篇文章相同</translation>
    </message>
    <message>
        <source>Chromium</source>
        <translation>Chromium</translation>
    </message>
    <message>
        <source>Keepalive 45 s idle and interval; the OS default count (9) decides</source>
        <translation>保活空闲与间隔均为 45 秒；探测次数由系统默认值（9）决定</translation>
    </message>
    <message>
        <source>Classroom fast</source>
        <translation>课堂快速</translation>
    </message>
    <message>
        <source>Keepalive 3/1/3 and heartbeats 2 s + 2 s: deaths show within seconds</source>
        <translation>保活 3/1/3，心跳 2 秒 + 2 秒：几秒之内就能看到断开</translation>
    </message>
</context>
<context>
    <name>Presentation</name>
    <message>
        <source>%1 ms</source>
        <translation>%1 毫秒</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 分 %2 秒</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1 小时</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分</translation>
    </message>
    <message>
        <source>now</source>
        <translation>现在</translation>
    </message>
    <message>
        <source>−%1 min</source>
        <translation>−%1 分钟</translation>
    </message>
    <message>
        <source>−%1 s</source>
        <translation>−%1 秒</translation>
    </message>
    <message>
        <source>&lt; 1 ms</source>
        <translation>&lt; 1 毫秒</translation>
    </message>
    <message>
        <source>Disconnected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>正在连接</translation>
    </message>
    <message>
        <source>Signing in</source>
        <translation>正在登录</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Waiting to reconnect</source>
        <translation>等待重连</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>heartbeat timeout</source>
        <translation>心跳超时</translation>
    </message>
    <message>
        <source>kernel keepalive timeout</source>
        <translation>内核保活超时</translation>
    </message>
    <message>
        <source>TCP user timeout</source>
        <translation>TCP 用户超时</translation>
    </message>
    <message>
        <source>retransmission timeout</source>
        <translation>重传超时</translation>
    </message>
    <message>
        <source>reset by peer</source>
        <translation>被对端重置</translation>
    </message>
    <message>
        <source>closed by peer</source>
        <translation>对端关闭</translation>
    </message>
    <message>
        <source>local error</source>
        <translation>本地错误</translation>
    </message>
    <message>
        <source>closed locally</source>
        <translation>本地关闭</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>Nothing at all arrived from the server, not even an answer to our pings.</source>
        <translation>服务器没有传来任何数据，连对我们 PING 的应答也没有。</translation>
    </message>
    <message>
        <source>The kernel&apos;s keepalive probes went unanswered.</source>
        <translation>内核发出的保活探测包没有得到应答。</translation>
    </message>
    <message>
        <source>Sent data stayed unacknowledged longer than the TCP user timeout.</source>
        <translation>已发送的数据超过 TCP 用户超时仍未被确认。</translation>
    </message>
    <message>
        <source>The kernel gave up retransmitting unacknowledged data.</source>
        <translation>内核放弃了重传未被确认的数据。</translation>
    </message>
    <message>
        <source>The server or a device on the path answered with a reset.</source>
        <translation>服务器或路径上的设备回应了重置（RST）。</translation>
    </message>
    <message>
        <source>The server closed the connection.</source>
        <translation>服务器关闭了连接。</translation>
    </message>
    <message>
        <source>The network stack on this computer reported an error.</source>
        <translation>本机的网络协议栈报告了错误。</translation>
    </message>
    <message>
        <source>You closed the connection.</source>
        <translation>你关闭了连接。</translation>
    </message>
    <message>
        <source>%1 after %2</source>
        <translation>%2后%1</translation>
    </message>
    <message>
        <source>%1 after %2 (budget %3, within budget)</source>
        <translation>%2后%1（预期 %3，在预期之内）</translation>
    </message>
    <message>
        <source>%1 after %2 (budget %3, exceeded)</source>
        <translation>%2后%1（预期 %3，已超出）</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>retransmit</source>
        <translation>重传</translation>
    </message>
    <message>
        <source>keepalive</source>
        <translation>保活</translation>
    </message>
    <message>
        <source>time-wait</source>
        <translation>TIME-WAIT</translation>
    </message>
    <message>
        <source>zero-window probe</source>
        <translation>零窗口探测</translation>
    </message>
    <message>
        <source>%1 ago</source>
        <translation>%1前</translation>
    </message>
    <message>
        <source>The gateway on the way to the server most likely forgot this connection: it was silent for %1, and the gateway forgets connections silent for %2 (the NAT idle timeout in Settings). Keepalive or heartbeats more often than every %2 would have kept it.</source>
        <translation>通往服务器的网关很可能已经忘记了这条连接：它静默了 %1，而网关会忘记静默达 %2的连接（设置中的 NAT 空闲超时）。如果保活探测或心跳的间隔短于 %2，这条连接本可以保住。</translation>
    </message>
    <message>
        <source>%1 after %2 (budget %3, on time: %4 over is within the %5 scheduling tolerance)</source>
        <translation>%2后%1（预期 %3，按时：超出 %4，在 %5的调度容差之内）</translation>
    </message>
    <message>
        <source>Noticed after %1.</source>
        <translation>%1后发现。</translation>
    </message>
    <message>
        <source>Noticed after %1, within the budget of %2.</source>
        <translation>%1后发现，在 %2的预期之内。</translation>
    </message>
    <message>
        <source>Noticed after %1, on time: the budget is %2, and %3 over it is within the %4 that timers may run late.</source>
        <translation>%1后发现，按时：预期为 %2，超出的 %3在定时器允许的 %4延迟之内。</translation>
    </message>
    <message>
        <source>Noticed after %1, later than the budget of %2.</source>
        <translation>%1后发现，晚于 %2的预期。</translation>
    </message>
    <message>
        <source>Noticed after %1, on time (budget %2).</source>
        <translation>%1后发现，按时（预期为 %2）。</translation>
    </message>
</context>
<context>
    <name>SocketOptions</name>
    <message>
        <source>unknown (socket not readable)</source>
        <translation>未知（无法读取套接字）</translation>
    </message>
    <message>
        <source>keepalive %1,%2,%3</source>
        <translation>保活 %1,%2,%3</translation>
    </message>
    <message>
        <source>keepalive off</source>
        <translation>保活关闭</translation>
    </message>
    <message>
        <source>, user-timeout %1 ms</source>
        <translation>，用户超时 %1 毫秒</translation>
    </message>
    <message>
        <source>, user-timeout off</source>
        <translation>，用户超时关闭</translation>
    </message>
</context>
<context>
    <name>longline::app::ChatItemDelegate</name>
    <message>
        <source>unsent</source>
        <translation>未发送</translation>
    </message>
    <message>
        <source>history</source>
        <translation>历史</translation>
    </message>
    <message>
        <source>Message text</source>
        <translation>消息文字</translation>
    </message>
</context>
<context>
    <name>longline::app::ChatLogModel</name>
    <message>
        <source>#%1, %2</source>
        <translation>#%1，%2</translation>
    </message>
    <message numerus="yes">
        <source> … (%n more characters)</source>
        <translation>
            <numerusform> …（还有 %n 个字符）</numerusform>
        </translation>
    </message>
    <message>
        <source>Start of the conversation: the server keeps nothing older.</source>
        <translation>对话从这里开始：服务器没有保存更早的消息。</translation>
    </message>
</context>
<context>
    <name>longline::app::ChatSearch</name>
    <message>
        <source>Find in the conversation</source>
        <translation>在对话中查找</translation>
    </message>
    <message>
        <source>Older match (Enter)</source>
        <translation>上一个（更早的）匹配（回车）</translation>
    </message>
    <message>
        <source>Newer match (Shift+Enter)</source>
        <translation>下一个（更新的）匹配（Shift+回车）</translation>
    </message>
    <message>
        <source>Close (Esc)</source>
        <translation>关闭（Esc）</translation>
    </message>
    <message>
        <source>not found</source>
        <translation>未找到</translation>
    </message>
</context>
<context>
    <name>longline::app::ChatView</name>
    <message>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>复制(&amp;C)</translation>
    </message>
    <message>
        <source>Select &amp;All</source>
        <translation>全选(&amp;A)</translation>
    </message>
    <message numerus="yes">
        <source>%n new message(s) below ↓</source>
        <translation>
            <numerusform>下方有 %n 条新消息 ↓</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>longline::app::ConnectDialog</name>
    <message>
        <source>Connect to a Longline server</source>
        <translation>连接到长线服务器</translation>
    </message>
    <message>
        <source>host name or address</source>
        <translation>主机名或地址</translation>
    </message>
    <message>
        <source>letters, digits, _ - . (up to 24)</source>
        <translation>字母、数字、_ - .（最多 24 个）</translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation>服务器(&amp;S)：</translation>
    </message>
    <message>
        <source>&amp;Port:</source>
        <translation>端口(&amp;P)：</translation>
    </message>
    <message>
        <source>&amp;Nick:</source>
        <translation>昵称(&amp;N)：</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Enter the server&apos;s host name or address.</source>
        <translation>请输入服务器的主机名或地址。</translation>
    </message>
    <message>
        <source>Choose a nick.</source>
        <translation>请选择一个昵称。</translation>
    </message>
    <message>
        <source>A nick has 1 to 24 letters, digits, &quot;_&quot;, &quot;-&quot; or &quot;.&quot;.</source>
        <translation>昵称由 1 到 24 个字母、数字、“_”、“-”或“.”组成。</translation>
    </message>
    <message>
        <source>only if the server has one</source>
        <translation>仅当服务器设置了密码时填写</translation>
    </message>
    <message>
        <source>Encrypt with &amp;TLS</source>
        <translation>使用 TLS 加密(&amp;T)</translation>
    </message>
    <message>
        <source>Pass&amp;word:</source>
        <translation>密码(&amp;W)：</translation>
    </message>
    <message>
        <source>C&amp;onnect</source>
        <translation>连接(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Recent:</source>
        <translation>最近使用(&amp;R)：</translation>
    </message>
    <message>
        <source>%1 as %2</source>
        <translation>%1，昵称 %2</translation>
    </message>
</context>
<context>
    <name>longline::app::ConnectionBanner</name>
    <message>
        <source>Reconnect &amp;now</source>
        <translation>立即重连(&amp;N)</translation>
    </message>
    <message>
        <source>Hide this message</source>
        <translation>隐藏此消息</translation>
    </message>
    <message>
        <source>&amp;Edit Connection…</source>
        <translation>编辑连接(&amp;E)…</translation>
    </message>
    <message>
        <source>Trust this certi&amp;ficate…</source>
        <translation>信任此证书(&amp;F)…</translation>
    </message>
</context>
<context>
    <name>longline::app::ConnectionNarrator</name>
    <message>
        <source>Connecting to %1 as %2…</source>
        <translation>正在以 %2 的身份连接 %1…</translation>
    </message>
    <message>
        <source>Your message has had no answer for %1</source>
        <translation>你的消息已经 %1 没有得到回应</translation>
    </message>
    <message>
        <source>nat</source>
        <translation>NAT</translation>
    </message>
    <message>
        <source>Reconnected to %1 after %2 offline</source>
        <translation>离线 %2后已重新连接到 %1</translation>
    </message>
    <message>
        <source>Missed messages are fetched from history; messages typed meanwhile are being sent.</source>
        <translation>错过的消息正从历史记录中取回；离线时输入的消息正在发送。</translation>
    </message>
    <message>
        <source>Reconnected after %1 offline</source>
        <translation>离线 %1后已重新连接</translation>
    </message>
    <message>
        <source>Reconnecting now (attempt %1)…</source>
        <translation>正在重连（第 %1 次）…</translation>
    </message>
    <message>
        <source>Disconnected from %1</source>
        <translation>已断开与 %1 的连接</translation>
    </message>
    <message>
        <source>You closed the connection, so Longline does not reconnect. Press Ctrl+K to connect again.</source>
        <translation>连接是你主动关闭的，所以长线不会自动重连。按 Ctrl+K 重新连接。</translation>
    </message>
    <message>
        <source>You disconnected</source>
        <translation>你已断开连接</translation>
    </message>
    <message>
        <source>Connected to %1 as %2 (%3)</source>
        <translation>已以 %2 的身份连接到 %1（%3）</translation>
    </message>
    <message>
        <source>Connection to %1 lost: %2</source>
        <translation>与 %1 的连接已断开：%2</translation>
    </message>
    <message>
        <source>dead</source>
        <translation>断开</translation>
    </message>
    <message>
        <source>Connection lost: %1</source>
        <translation>连接断开：%1</translation>
    </message>
    <message>
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>connect failed: %1</source>
        <translation>连接失败：%1</translation>
    </message>
    <message>
        <source>Last attempt failed: %1</source>
        <translation>上次尝试失败：%1</translation>
    </message>
    <message>
        <source>Could not connect to %1</source>
        <translation>无法连接到 %1</translation>
    </message>
    <message>
        <source>reconnect</source>
        <translation>重连</translation>
    </message>
    <message>
        <source>next attempt in %1 (attempt %2)</source>
        <translation>%1后再次尝试（第 %2 次）</translation>
    </message>
    <message numerus="yes">
        <source>Retrying in %n s (attempt %1)…</source>
        <translation>
            <numerusform>%n 秒后重试（第 %1 次）…</numerusform>
        </translation>
    </message>
    <message>
        <source>The server refused something: %1 %2 %3</source>
        <translation>服务器拒绝了请求：%1 %2 %3</translation>
    </message>
    <message>
        <source>The nick “%1” is already taken on %2</source>
        <translation>昵称“%1”在 %2 上已被占用</translation>
    </message>
    <message>
        <source>Choose another nick.</source>
        <translation>请换一个昵称。</translation>
    </message>
    <message>
        <source>The server does not accept the nick “%1”</source>
        <translation>服务器不接受昵称“%1”</translation>
    </message>
    <message>
        <source>%1 refused the password</source>
        <translation>%1 拒绝了密码</translation>
    </message>
    <message>
        <source>Enter the server&apos;s password.</source>
        <translation>请输入服务器的密码。</translation>
    </message>
    <message>
        <source>The server refused the connection</source>
        <translation>服务器拒绝了连接</translation>
    </message>
    <message>
        <source>%1 %2: %3. Not retrying: this will not change by itself.</source>
        <translation>%1 %2：%3。不再重试：这个问题不会自行消失。</translation>
    </message>
    <message>
        <source>The certificate of %1 is not trusted</source>
        <translation>%1 的证书不受信任</translation>
    </message>
    <message>
        <source>%1
Subject: %2
SHA-256 fingerprint: %3
Not retrying. Trust the certificate only if this fingerprint matches the one the server&apos;s operator gave you.</source>
        <translation>%1
主体：%2
SHA-256 指纹：%3
不再重试。只有当这个指纹与服务器管理员提供的指纹一致时，才信任此证书。</translation>
    </message>
    <message>
        <source>tls</source>
        <translation>TLS</translation>
    </message>
    <message>
        <source>certificate not trusted: %1</source>
        <translation>证书不受信任：%1</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <comment>one sentence after another</comment>
        <translation>%1%2</translation>
    </message>
</context>
<context>
    <name>longline::app::EventLogModel</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
</context>
<context>
    <name>longline::app::HealthLine</name>
    <message>
        <source>RTT %1</source>
        <translation>往返 %1</translation>
    </message>
    <message>
        <source>RTT %1 (kernel)</source>
        <translation>往返 %1（内核）</translation>
    </message>
    <message>
        <source>silent %1</source>
        <translation>静默 %1</translation>
    </message>
    <message>
        <source>ping in %1</source>
        <translation>%1后发送 PING</translation>
    </message>
    <message>
        <source>keepalive probe in %1</source>
        <translation>%1后发送保活探测</translation>
    </message>
    <message>
        <source>dead link noticed within %1</source>
        <translation>%1内可发现断开的链路</translation>
    </message>
    <message>
        <source>no liveness detection</source>
        <translation>未启用存活检测</translation>
    </message>
    <message>
        <source>heartbeats notice a dead link within %1</source>
        <translation>心跳会在 %1内发现断开的连接</translation>
    </message>
    <message>
        <source>the TCP user timeout ends it within %1</source>
        <translation>TCP 用户超时会在 %1内结束它</translation>
    </message>
    <message>
        <source>only retransmissions end it, after about 15 min</source>
        <translation>只有重传会结束它，大约需要 15 分钟</translation>
    </message>
    <message>
        <source>Online, waiting %1 for an ACK</source>
        <translation>在线，已等待 ACK %1</translation>
    </message>
    <message>
        <source>Keepalive paused by unacknowledged data; %1</source>
        <translation>有未确认的数据，保活探测暂停；%1</translation>
    </message>
</context>
<context>
    <name>longline::app::HelpDialog</name>
    <message>
        <source>Longline User Guide</source>
        <translation>长线使用指南</translation>
    </message>
    <message>
        <source>Keyboard Shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>What the Settings Mean</source>
        <translation>设置项的含义</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Chatting&lt;/h3&gt;&lt;p&gt;Connect with Ctrl+K: a server, a port and a nick. Type in the line at the bottom and press Enter. Up and Down bring back what you sent before; Tab completes a nick. If you scroll up to read, new messages wait below and a marker counts them; click it to jump back down.&lt;/p&gt;&lt;h3&gt;When the connection dies&lt;/h3&gt;&lt;p&gt;A banner above the conversation says what died, why, and how long it took to notice compared with the budget your settings promise. Longline reconnects by itself; what you typed meanwhile is kept, marked unsent, and sent once the connection is back. Missed messages come from the server&apos;s history.&lt;/p&gt;&lt;h3&gt;The side panel&lt;/h3&gt;&lt;p&gt;Beside the chat: who is online, the connection&apos;s status (round trips, the kernel&apos;s view of the socket, a timeline and an event log) and the liveness settings. The status bar always shows the state, the round trip, the silence since the last byte, the next probe and the budget in force.&lt;/p&gt;&lt;h3&gt;In a classroom&lt;/h3&gt;&lt;p&gt;View → Larger Text (Ctrl+Shift+L) makes everything readable on a projector; the window still fits 1280x720.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;聊天&lt;/h3&gt;&lt;p&gt;按 Ctrl+K 连接：填写服务器、端口和昵称。在底部的输入行里打字，按回车发送。上下方向键可以找回之前发过的内容；Tab 键补全昵称。如果你向上滚动阅读，新消息会留在下面，并有一个提示标记显示条数；点击它即可跳回底部。&lt;/p&gt;&lt;h3&gt;连接断开时&lt;/h3&gt;&lt;p&gt;对话上方的横幅会说明是什么断开了、原因是什么，以及与你的设置所承诺的预期相比，花了多长时间才发现。长线会自动重连；期间输入的内容会保留并标记为未发送，连接恢复后再发出。错过的消息会从服务器的历史记录中取回。&lt;/p&gt;&lt;h3&gt;侧边面板&lt;/h3&gt;&lt;p&gt;在聊天旁边：谁在线、连接状态（往返时间、内核眼中的套接字、时间线和事件日志）以及存活检测设置。状态栏始终显示连接状态、往返时间、距最后一个字节的静默、下一次探测的时间以及当前生效的预期。&lt;/p&gt;&lt;h3&gt;在课堂上&lt;/h3&gt;&lt;p&gt;“视图 → 放大文字”（Ctrl+Shift+L）让投影仪上的一切都清晰可读；窗口仍然能放进 1280x720 的屏幕。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&lt;p&gt;A connection can die without a word: a NAT gateway forgets it, a cable is pulled, a laptop sleeps. These settings decide how soon Longline notices.&lt;/p&gt;&lt;h3&gt;OS keepalive&lt;/h3&gt;&lt;p&gt;The kernel sends a probe after &lt;b&gt;Idle&lt;/b&gt; seconds of silence, then one every &lt;b&gt;Interval&lt;/b&gt; seconds; after &lt;b&gt;Count&lt;/b&gt; unanswered probes the connection is dead. Probes wait while sent data is still unacknowledged.&lt;/p&gt;&lt;h3&gt;TCP user timeout&lt;/h3&gt;&lt;p&gt;How long sent data may stay unacknowledged before the kernel gives up. With keepalive on, it also caps the probing.&lt;/p&gt;&lt;h3&gt;Application heartbeats&lt;/h3&gt;&lt;p&gt;Longline itself sends a PING after &lt;b&gt;Ping interval&lt;/b&gt; of silence and declares the server dead after a further &lt;b&gt;Timeout&lt;/b&gt;. They pass through every proxy and also keep NAT mappings warm.&lt;/p&gt;&lt;h3&gt;NAT idle timeout&lt;/h3&gt;&lt;p&gt;How long the gateway on your path keeps an idle connection. Keep-warm traffic must come more often than that; &quot;Measure this path&quot; finds it.&lt;/p&gt;&lt;h3&gt;The budget&lt;/h3&gt;&lt;p&gt;The worst-case time to notice a dead link with these settings. A verdict within the budget, or over it by less than the timers&apos; scheduling tolerance, is on time.&lt;/p&gt;</source>
        <translation>&lt;p&gt;连接可能悄无声息地断开：NAT 网关忘记了它，网线被拔掉，笔记本进入睡眠。这些设置决定长线多快能发现。&lt;/p&gt;&lt;h3&gt;系统保活&lt;/h3&gt;&lt;p&gt;静默 &lt;b&gt;空闲&lt;/b&gt; 秒后，内核发出一个探测包，之后每隔 &lt;b&gt;间隔&lt;/b&gt; 秒发一个；连续 &lt;b&gt;次数&lt;/b&gt; 个探测都没有应答，连接即判定断开。已发送的数据尚未被确认时，探测会暂停。&lt;/p&gt;&lt;h3&gt;TCP 用户超时&lt;/h3&gt;&lt;p&gt;已发送的数据最多可以多久得不到确认，之后内核放弃连接。开启保活时，它也限制探测的总时长。&lt;/p&gt;&lt;h3&gt;应用层心跳&lt;/h3&gt;&lt;p&gt;长线自己在静默达到 &lt;b&gt;PING 间隔&lt;/b&gt; 后发送 PING，若再过 &lt;b&gt;超时&lt;/b&gt; 仍无任何数据，就判定服务器已断开。心跳能穿过任何代理，也能让 NAT 映射保持活跃。&lt;/p&gt;&lt;h3&gt;NAT 空闲超时&lt;/h3&gt;&lt;p&gt;你所在路径上的网关会把空闲连接保留多久。保持映射的流量必须比这更频繁；“测量此路径”可以测出这个值。&lt;/p&gt;&lt;h3&gt;预期&lt;/h3&gt;&lt;p&gt;在这些设置下，发现断开的链路最坏需要多长时间。判定落在预期之内，或超出的部分小于定时器的调度容差，都算按时。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&lt;table cellpadding=&quot;4&quot;&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+K&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Connect to a server&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+D&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Disconnect (no automatic reconnect)&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+M&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Side panel: who is online&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+I&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Side panel: connection status&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+,&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Side panel: liveness settings (again to close)&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+Shift+L&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Larger text for a projector&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Up / Down&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Messages you sent before&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Tab&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Complete a nick&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+C&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Copy the selected messages&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;F2&lt;/b&gt;, double-click&lt;/td&gt;&lt;td&gt;Open a message&apos;s text to select and copy part of it (Escape closes it)&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;F1&lt;/b&gt;&lt;/td&gt;&lt;td&gt;This guide&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+Q&lt;/b&gt;&lt;/td&gt;&lt;td&gt;Quit&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;p&gt;/who asks who is online; /quit disconnects.&lt;/p&gt;</source>
        <translation>&lt;table cellpadding=&quot;4&quot;&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+K&lt;/b&gt;&lt;/td&gt;&lt;td&gt;连接到服务器&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+D&lt;/b&gt;&lt;/td&gt;&lt;td&gt;断开连接（不自动重连）&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+M&lt;/b&gt;&lt;/td&gt;&lt;td&gt;侧边面板：谁在线&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+I&lt;/b&gt;&lt;/td&gt;&lt;td&gt;侧边面板：连接状态&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+,&lt;/b&gt;&lt;/td&gt;&lt;td&gt;侧边面板：存活检测设置（再按一次关闭）&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+Shift+L&lt;/b&gt;&lt;/td&gt;&lt;td&gt;为投影仪放大文字&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;上 / 下&lt;/b&gt;&lt;/td&gt;&lt;td&gt;之前发送过的消息&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Tab&lt;/b&gt;&lt;/td&gt;&lt;td&gt;补全昵称&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+C&lt;/b&gt;&lt;/td&gt;&lt;td&gt;复制选中的消息&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;F2&lt;/b&gt;、双击&lt;/td&gt;&lt;td&gt;打开一条消息的文字，选中并复制其中一部分（按 Esc 关闭）&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;F1&lt;/b&gt;&lt;/td&gt;&lt;td&gt;本指南&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;&lt;b&gt;Ctrl+Q&lt;/b&gt;&lt;/td&gt;&lt;td&gt;退出&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;p&gt;/who 查询谁在线；/quit 断开连接。&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>longline::app::KeepWarmController</name>
    <message>
        <source>Adaptive mode is on: the window measures each network once online and keeps warm below what it finds.</source>
        <translation>自适应模式已开启：每个网络上线后，本窗口都会测量一次，并以短于测量结果的间隔保持映射有效。</translation>
    </message>
    <message>
        <source>path</source>
        <translation>路径</translation>
    </message>
    <message>
        <source>Adaptive: measuring this network in the background…</source>
        <translation>自适应：正在后台测量此网络…</translation>
    </message>
    <message>
        <source>adaptive keep-warm: measuring this network</source>
        <translation>自适应映射保持：正在测量此网络</translation>
    </message>
    <message>
        <source>re-check: a mapping still survives %1 idle</source>
        <translation>复查：映射在空闲 %1后仍然存活</translation>
    </message>
    <message>
        <source>re-check: a mapping idle for %1 was lost</source>
        <translation>复查：空闲 %1的映射已丢失</translation>
    </message>
    <message>
        <source>keepalive idle %1</source>
        <translation>保活空闲 %1</translation>
    </message>
    <message>
        <source>heartbeat every %1</source>
        <translation>每 %1 一次心跳</translation>
    </message>
    <message>
        <source>remembered for this network: mappings survive %1 idle</source>
        <translation>沿用此网络的记录：映射在空闲 %1后仍然存活</translation>
    </message>
    <message>
        <source>just measured: mappings survive %1 idle</source>
        <translation>刚刚测得：映射在空闲 %1后仍然存活</translation>
    </message>
    <message>
        <source>a keep-warm did not hold the mapping: halved at once, measuring again when back online</source>
        <translation>映射保持未能保住映射：间隔已立即减半，重新上线后将再次测量</translation>
    </message>
    <message>
        <source>a re-check probe was lost: halved at once, measuring again</source>
        <translation>一个复查探测丢失：间隔已立即减半，正在重新测量</translation>
    </message>
    <message>
        <source>Adaptive: %1 (%2); detects a dead link within %3.</source>
        <translation>自适应：%1（%2）；%3内可发现断开的链路。</translation>
    </message>
    <message>
        <source>Adaptive: %1 (%2).</source>
        <translation>自适应：%1（%2）。</translation>
    </message>
</context>
<context>
    <name>longline::app::MainWindow</name>
    <message>
        <source>&amp;Connect…</source>
        <translation>连接(&amp;C)…</translation>
    </message>
    <message>
        <source>Choose a server and a nick (Ctrl+K)</source>
        <translation>选择服务器和昵称（Ctrl+K）</translation>
    </message>
    <message>
        <source>&amp;Disconnect</source>
        <translation>断开(&amp;D)</translation>
    </message>
    <message>
        <source>Leave the server; no automatic reconnect (Ctrl+D)</source>
        <translation>离开服务器，不会自动重连（Ctrl+D）</translation>
    </message>
    <message>
        <source>&amp;Larger Text</source>
        <translation>放大字体(&amp;L)</translation>
    </message>
    <message>
        <source>Text readable on a classroom projector</source>
        <translation>让课堂投影上的文字也清晰可读</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>Type a message and press Enter</source>
        <translation>输入消息，按回车发送</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation>发送(&amp;S)</translation>
    </message>
    <message>
        <source>People online</source>
        <translation>在线的人</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Connection Status</source>
        <translation>连接状态</translation>
    </message>
    <message>
        <source>Liveness Settings</source>
        <translation>存活检测设置</translation>
    </message>
    <message>
        <source>&amp;Members</source>
        <translation>成员(&amp;M)</translation>
    </message>
    <message>
        <source>Liveness &amp;Settings</source>
        <translation>存活检测设置(&amp;S)</translation>
    </message>
    <message>
        <source>Connection S&amp;tatus</source>
        <translation>连接状态(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Connection</source>
        <translation>连接(&amp;C)</translation>
    </message>
    <message>
        <source>Save Event &amp;Log as CSV…</source>
        <translation>将事件日志保存为 CSV(&amp;L)…</translation>
    </message>
    <message>
        <source>Save event log</source>
        <translation>保存事件日志</translation>
    </message>
    <message>
        <source>CSV files (*.csv);;All files (*)</source>
        <translation>CSV 文件 (*.csv);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Could not save %1: %2</source>
        <translation>无法保存 %1：%2</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Clear &amp;Conversation</source>
        <translation>清空对话(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About Longline</source>
        <translation>关于长线(&amp;A)</translation>
    </message>
    <message>
        <source>About Longline</source>
        <translation>关于长线</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Longline %1&lt;/h3&gt;&lt;p&gt;A chat that shows how long-lived TCP connections live and die: NAT timeouts, TCP keepalive, TCP_USER_TIMEOUT and application heartbeats.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;长线 %1&lt;/h3&gt;&lt;p&gt;一个展示 TCP 长连接如何存活、如何断开的聊天程序：NAT 超时、TCP 保活、TCP_USER_TIMEOUT 与应用层心跳。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>%1 joined</source>
        <translation>%1 加入了</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>%1 离开了</translation>
    </message>
    <message>
        <source>%1 left (%2)</source>
        <translation>%1 离开了（%2）</translation>
    </message>
    <message>
        <source>The server said goodbye: %1</source>
        <translation>服务器道别：%1</translation>
    </message>
    <message>
        <source>server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>BYE %1</source>
        <translation>BYE %1</translation>
    </message>
    <message>
        <source>client</source>
        <translation>客户端</translation>
    </message>
    <message>
        <source>kernel</source>
        <translation>内核</translation>
    </message>
    <message>
        <source>keepalive probe answered</source>
        <translation>保活探测已获应答</translation>
    </message>
    <message numerus="yes">
        <source>%n keepalive probe(s) unanswered</source>
        <translation>
            <numerusform>%n 个保活探测未获应答</numerusform>
        </translation>
    </message>
    <message>
        <source>Connect to a server first; your message stays in the input line.</source>
        <translation>请先连接服务器；你的消息会保留在输入框中。</translation>
    </message>
    <message>
        <source>The message is too long: %1 bytes, the server takes %2.</source>
        <translation>消息太长：%1 字节，服务器最多接受 %2 字节。</translation>
    </message>
    <message>
        <source>bye</source>
        <translation>再见</translation>
    </message>
    <message>
        <source>state</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>%1 to %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>welcome: %1, heartbeat %2, minimum ping interval %3 s</source>
        <translation>欢迎：%1，心跳 %2，最短 PING 间隔 %3 秒</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>socket not queried</source>
        <translation>未能读取套接字</translation>
    </message>
    <message>
        <source>options</source>
        <translation>选项</translation>
    </message>
    <message>
        <source>settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Online (%1)</source>
        <translation>在线（%1）</translation>
    </message>
    <message>
        <source>Longline</source>
        <translation>长线</translation>
    </message>
    <message>
        <source>not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>%1 @ %2</source>
        <translation>%1 @ %2</translation>
    </message>
    <message>
        <source>Longline — %1</source>
        <translation>长线 — %1</translation>
    </message>
    <message>
        <source>closed the window</source>
        <translation>关闭了窗口</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Disconnect</source>
        <translation>断开</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>成员</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>tls</source>
        <translation>TLS</translation>
    </message>
    <message>
        <source>Trust this certificate?</source>
        <translation>信任此证书？</translation>
    </message>
    <message>
        <source>Connect to %1 and trust its certificate from now on?

SHA-256 fingerprint:
%2</source>
        <translation>连接到 %1，并从现在起信任它的证书吗？

SHA-256 指纹：
%2</translation>
    </message>
    <message>
        <source>Disconnected: the server %1. Reconnecting.</source>
        <translation>已断开：服务器%1。正在重新连接。</translation>
    </message>
    <message>
        <source>(%1) Longline — %2</source>
        <translation>(%1) 长线 — %2</translation>
    </message>
    <message>
        <source>&amp;User Guide</source>
        <translation>使用指南(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>What the &amp;Settings Mean</source>
        <translation>设置项的含义(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Find in Conversation…</source>
        <translation>在对话中查找(&amp;F)…</translation>
    </message>
</context>
<context>
    <name>longline::app::MemberListFooter</name>
    <message>
        <source>Showing %1 of %2 people.</source>
        <translation>显示 %2 人中的 %1 人。</translation>
    </message>
    <message>
        <source>Show more</source>
        <translation>显示更多</translation>
    </message>
    <message>
        <source>Ask the server for the next names in the list</source>
        <translation>向服务器请求名单中的下一批名字</translation>
    </message>
</context>
<context>
    <name>longline::app::MemberListModel</name>
    <message>
        <source>nobody: not connected</source>
        <translation>无人：未连接</translation>
    </message>
    <message>
        <source>%1 (you)</source>
        <translation>%1（你）</translation>
    </message>
</context>
<context>
    <name>longline::app::PathMeasurementBox</name>
    <message>
        <source>%1 B</source>
        <translation>%1 B</translation>
    </message>
    <message>
        <source>%1 KB</source>
        <translation>%1 KB</translation>
    </message>
    <message>
        <source>Measure this path</source>
        <translation>测量此路径</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>to </source>
        <translation>精确到 </translation>
    </message>
    <message>
        <source> %</source>
        <translation> %</translation>
    </message>
    <message>
        <source>Resolution: the search stops when the longest idle time that survived and the shortest that did not are this close</source>
        <translation>精度：当存活的最长空闲时间与未存活的最短空闲时间相差在此范围内时，停止搜索</translation>
    </message>
    <message>
        <source>Round %1: %2 probes idle for %3 up to %4, doubling</source>
        <translation>第 %1 轮：%2 条探测连接分别空闲 %3 至 %4，逐次加倍</translation>
    </message>
    <message>
        <source>Round %1: %2 probes idle for %3 to %4, between the last survivor and the first casualty</source>
        <translation>第 %1 轮：%2 条探测连接分别空闲 %3 至 %4，介于最后一个存活者与第一个丢失者之间</translation>
    </message>
    <message>
        <source>So far: survived %1 idle, gone by %2.</source>
        <translation>目前：空闲 %1后仍存活，空闲 %2时已丢失。</translation>
    </message>
    <message>
        <source>So far: survived %1 idle; nothing lost yet.</source>
        <translation>目前：空闲 %1后仍存活；尚无丢失。</translation>
    </message>
    <message>
        <source>%1 elapsed; this round ends in about %2.</source>
        <translation>已用时 %1；本轮约 %2后结束。</translation>
    </message>
    <message>
        <source>The gateway stays silent when it forgets: neither end is told.</source>
        <translation>网关遗忘连接时不发任何信号：两端都不会收到通知。</translation>
    </message>
    <message>
        <source>The gateway answers with a reset when it forgets (as AWS&apos;s NAT gateway does).</source>
        <translation>网关遗忘连接后会以重置（RST）回应，AWS 的 NAT 网关就是如此。</translation>
    </message>
    <message>
        <source>Some forgotten probes got a reset, others silence.</source>
        <translation>部分被遗忘的探测连接收到了重置，其余则毫无回应。</translation>
    </message>
    <message>
        <source>Measured in %1 with %2 probe connections.</source>
        <translation>测量用时 %1，共使用 %2 条探测连接。</translation>
    </message>
    <message>
        <source>Mappings on this path survive %1 idle and are gone by %2.</source>
        <translation>此路径上的映射在空闲 %1后仍存活，空闲 %2时已丢失。</translation>
    </message>
    <message>
        <source>Mappings on this path are gone after %1 idle or less.</source>
        <translation>此路径上的映射最多空闲 %1就会丢失。</translation>
    </message>
    <message>
        <source>Mappings on this path survive %1 idle, the longest tried: nothing on the way forgets sooner.</source>
        <translation>此路径上的映射在空闲 %1（测试过的最长时间）后仍存活：沿途没有设备会更早遗忘连接。</translation>
    </message>
    <message>
        <source>Cancelled. So far mappings survived %1 idle and were gone by %2.</source>
        <translation>已取消。目前映射在空闲 %1后仍存活，空闲 %2时已丢失。</translation>
    </message>
    <message>
        <source>Cancelled. So far mappings survived %1 idle.</source>
        <translation>已取消。目前映射在空闲 %1后仍存活。</translation>
    </message>
    <message>
        <source>The measurement failed: %1</source>
        <translation>测量失败：%1</translation>
    </message>
    <message>
        <source>Your settings now</source>
        <translation>当前设置</translation>
    </message>
    <message>
        <source>Heartbeats every %1</source>
        <translation>每 %1 一次心跳</translation>
    </message>
    <message>
        <source>Keepalive every %1</source>
        <translation>每 %1 一次保活</translation>
    </message>
    <message>
        <source>packets/h idle</source>
        <translation>空闲时包数/小时</translation>
    </message>
    <message>
        <source>bytes/h idle</source>
        <translation>空闲时字节/小时</translation>
    </message>
    <message>
        <source>detects death in</source>
        <translation>发现断开需时</translation>
    </message>
    <message>
        <source>never</source>
        <translation>永不</translation>
    </message>
    <message>
        <source>Keep-warm at %1 % of the longest idle that survived leaves room for the measurement&apos;s resolution and timer slack.</source>
        <translation>以存活的最长空闲时间的 %1 % 作为映射保持间隔，为测量精度和定时器延迟留出余量。</translation>
    </message>
    <message>
        <source>Connect to a server first</source>
        <translation>请先连接服务器</translation>
    </message>
    <message>
        <source>Apply: keepalive idle %1</source>
        <translation>应用：保活空闲 %1</translation>
    </message>
    <message>
        <source>Apply: heartbeat every %1</source>
        <translation>应用：每 %1 一次心跳</translation>
    </message>
    <message>
        <source>Finds how long the path to the server keeps an idle connection: a few probe connections wait in silence for different times, then the server speaks first on each. It takes two to three times the timeout; over an hour when nothing on the path forgets.</source>
        <translation>测量通往服务器的路径会将空闲连接保留多久：几条探测连接分别静默等待不同的时长，然后由服务器在每条连接上先发送数据。所需时间约为超时时长的两到三倍；如果路径上没有设备会遗忘连接，则需要一个多小时。</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>%1 elapsed.</source>
        <translation>已用时 %1。</translation>
    </message>
    <message>
        <source>Mappings on this path survive %1 idle, the longest this server lets a probe wait: nothing on the way forgets sooner.</source>
        <translation>此路径上的映射在空闲 %1（该服务器允许探测等待的最长时间）后仍存活：沿途没有设备会更早遗忘连接。</translation>
    </message>
    <message>
        <source>&amp;Measure this path</source>
        <translation>测量此路径(&amp;M)</translation>
    </message>
    <message>
        <source>Adaptive keep-&amp;warm</source>
        <translation>自适应映射保持(&amp;W)</translation>
    </message>
    <message>
        <source>Measures every network, re-checks now and then, and lowers the keep-warm interval at once when a keep-warm fails.</source>
        <translation>测量每个网络，不时复查；映射保持失败时立即调低间隔。</translation>
    </message>
</context>
<context>
    <name>longline::app::SettingsPanel</name>
    <message>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <source>&amp;Preset:</source>
        <translation>预设(&amp;P)：</translation>
    </message>
    <message>
        <source>Liveness mechanism</source>
        <translation>存活检测机制</translation>
    </message>
    <message>
        <source>N&amp;one</source>
        <translation>无(&amp;O)</translation>
    </message>
    <message>
        <source>OS &amp;keepalive</source>
        <translation>系统保活(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;Both</source>
        <translation>两者都用(&amp;B)</translation>
    </message>
    <message>
        <source>OS keepalive (TCP)</source>
        <translation>系统保活（TCP）</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>TCP_KEEPIDLE: silence before the first probe</source>
        <translation>TCP_KEEPIDLE：发送第一个探测包前的静默时间</translation>
    </message>
    <message>
        <source>TCP_KEEPINTVL: time between unanswered probes</source>
        <translation>TCP_KEEPINTVL：未获应答的探测包之间的间隔</translation>
    </message>
    <message>
        <source>TCP_KEEPCNT: unanswered probes before the peer is declared dead</source>
        <translation>TCP_KEEPCNT：判定对端断开前允许未获应答的探测次数</translation>
    </message>
    <message>
        <source>&amp;Idle:</source>
        <translation>空闲(&amp;I)：</translation>
    </message>
    <message>
        <source>Co&amp;unt:</source>
        <translation>次数(&amp;U)：</translation>
    </message>
    <message>
        <source> ms</source>
        <translation> 毫秒</translation>
    </message>
    <message>
        <source>off (kernel default)</source>
        <translation>关闭（内核默认）</translation>
    </message>
    <message>
        <source>TCP_USER_TIMEOUT: how long sent data may stay unacknowledged; with keepalive it also replaces the probe count</source>
        <translation>TCP_USER_TIMEOUT：已发送数据最多可以多久不被确认；开启保活时它也取代探测次数</translation>
    </message>
    <message>
        <source>Application heartbeats (PING/PONG)</source>
        <translation>应用层心跳（PING/PONG）</translation>
    </message>
    <message>
        <source>A PING goes out after this much silence</source>
        <translation>静默这么久之后发送一个 PING</translation>
    </message>
    <message>
        <source>Further silence after that before the server is declared dead</source>
        <translation>之后再静默这么久，就判定服务器已断开</translation>
    </message>
    <message>
        <source>&amp;Timeout:</source>
        <translation>超时(&amp;T)：</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>How long the NAT or load balancer on the path keeps an idle connection (e.g. 180 s for many home routers, 350 s for AWS NLB)</source>
        <translation>路径上的 NAT 或负载均衡器保留空闲连接的时长（例如许多家用路由器为 180 秒，AWS NLB 为 350 秒）</translation>
    </message>
    <message>
        <source>What these settings promise</source>
        <translation>这些设置能保证什么</translation>
    </message>
    <message>
        <source>In effect on the socket</source>
        <translation>套接字上实际生效的值</translation>
    </message>
    <message>
        <source>Not connected: the values are applied when a connection opens.</source>
        <translation>未连接：连接建立时会应用这些值。</translation>
    </message>
    <message>
        <source>This system does not support per-socket keepalive options.</source>
        <translation>本系统不支持按套接字设置保活选项。</translation>
    </message>
    <message>
        <source>The socket could not be queried.</source>
        <translation>无法读取套接字。</translation>
    </message>
    <message>
        <source>Kernel reports: %1</source>
        <translation>内核报告：%1</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>Your own combination of values.</source>
        <translation>你自己组合的数值。</translation>
    </message>
    <message>
        <source>&amp;Application heartbeats</source>
        <translation>应用层心跳(&amp;A)</translation>
    </message>
    <message>
        <source>Interva&amp;l:</source>
        <translation>间隔(&amp;L)：</translation>
    </message>
    <message>
        <source>TCP use&amp;r timeout:</source>
        <translation>TCP 用户超时(&amp;R)：</translation>
    </message>
    <message>
        <source>Pin&amp;g interval:</source>
        <translation>PING 间隔(&amp;G)：</translation>
    </message>
    <message>
        <source>NAT i&amp;dle timeout:</source>
        <translation>NAT 空闲超时(&amp;D)：</translation>
    </message>
</context>
<context>
    <name>longline::app::StatusPanel</name>
    <message>
        <source>Connection</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>State:</source>
        <translation>状态：</translation>
    </message>
    <message>
        <source>Server:</source>
        <translation>服务器：</translation>
    </message>
    <message>
        <source>Uptime:</source>
        <translation>已连接时长：</translation>
    </message>
    <message>
        <source>Reconnect attempt:</source>
        <translation>重连次数：</translation>
    </message>
    <message>
        <source>Heartbeat</source>
        <translation>心跳</translation>
    </message>
    <message>
        <source>Round trip:</source>
        <translation>往返时间：</translation>
    </message>
    <message>
        <source>Median / p95 / max:</source>
        <translation>中位数 / p95 / 最大值：</translation>
    </message>
    <message>
        <source>Jitter:</source>
        <translation>抖动：</translation>
    </message>
    <message>
        <source>Lag (oldest unanswered ping):</source>
        <translation>延迟（最早未应答的 PING）：</translation>
    </message>
    <message>
        <source>Silence since last byte:</source>
        <translation>距最后一个字节的静默：</translation>
    </message>
    <message>
        <source>Kernel (TCP_INFO, sock_diag)</source>
        <translation>内核（TCP_INFO、sock_diag）</translation>
    </message>
    <message>
        <source>TCP state:</source>
        <translation>TCP 状态：</translation>
    </message>
    <message>
        <source>Next timer:</source>
        <translation>下一个定时器：</translation>
    </message>
    <message>
        <source>Unanswered probes:</source>
        <translation>未应答的探测：</translation>
    </message>
    <message>
        <source>Last ACK received:</source>
        <translation>最近收到 ACK：</translation>
    </message>
    <message>
        <source>Last data received:</source>
        <translation>最近收到数据：</translation>
    </message>
    <message>
        <source>Retransmissions:</source>
        <translation>重传：</translation>
    </message>
    <message>
        <source>Unacknowledged segments:</source>
        <translation>未确认的报文段：</translation>
    </message>
    <message>
        <source>Kernel RTT:</source>
        <translation>内核 RTT：</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <source>30 s</source>
        <translation>30 秒</translation>
    </message>
    <message>
        <source>1 min</source>
        <translation>1 分钟</translation>
    </message>
    <message>
        <source>5 min</source>
        <translation>5 分钟</translation>
    </message>
    <message>
        <source>15 min</source>
        <translation>15 分钟</translation>
    </message>
    <message>
        <source>Event log</source>
        <translation>事件日志</translation>
    </message>
    <message>
        <source>C&amp;lear</source>
        <translation>清空(&amp;L)</translation>
    </message>
    <message>
        <source>Kernel (last sample)</source>
        <translation>内核（最后一次采样）</translation>
    </message>
    <message>
        <source>%1 (samples: %2)</source>
        <translation>%1（样本数：%2）</translation>
    </message>
    <message>
        <source>heartbeats off</source>
        <translation>心跳已关闭</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>unknown (sock_diag unavailable)</source>
        <translation>未知（sock_diag 不可用）</translation>
    </message>
    <message>
        <source>none armed</source>
        <translation>未启动</translation>
    </message>
    <message>
        <source>%1 in %2</source>
        <translation>%2后%1</translation>
    </message>
    <message>
        <source>%1 now, %2 in total</source>
        <translation>当前 %1 次，累计 %2 次</translation>
    </message>
    <message>
        <source>%1 ± %2</source>
        <translation>%1 ± %2</translation>
    </message>
    <message>
        <source>Save event log</source>
        <translation>保存事件日志</translation>
    </message>
    <message>
        <source>CSV files (*.csv);;All files (*)</source>
        <translation>CSV 文件 (*.csv);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Could not save %1: %2</source>
        <translation>无法保存 %1：%2</translation>
    </message>
    <message>
        <source>Encryption:</source>
        <translation>加密：</translation>
    </message>
    <message>
        <source>none (plain text)</source>
        <translation>无（明文）</translation>
    </message>
    <message>
        <source>Save &amp;as CSV…</source>
        <translation>保存为 CSV(&amp;A)…</translation>
    </message>
    <message>
        <source>none yet: a ping goes out after %1 of silence</source>
        <translation>暂无：静默 %1后才会发送 PING</translation>
    </message>
    <message>
        <source>● ping round trip   ◆ keepalive probe answered   ▲ probe unanswered   ┆ last byte received   | declared dead</source>
        <translation>● PING 往返   ◆ 保活探测已应答   ▲ 探测未应答   ┆ 收到最后一个字节   | 判定断开</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>How much time the timeline shows; Fit shows the latest connection loss from its last byte, or the last minute</source>
        <translation>时间线显示多长时间；“自动”显示最近一次断开（从收到最后一个字节起），或最近一分钟</translation>
    </message>
</context>
<context>
    <name>longline::app::TimelineWidget</name>
    <message>
        <source>Liveness timeline</source>
        <translation>存活时间线</translation>
    </message>
    <message>
        <source>Heartbeat</source>
        <translation>心跳</translation>
    </message>
    <message>
        <source>Keepalive</source>
        <translation>保活</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>max %1</source>
        <translation>最大 %1</translation>
    </message>
    <message>
        <source>last byte</source>
        <translation>最后一个字节</translation>
    </message>
</context>
</TS>
