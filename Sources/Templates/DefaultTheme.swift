/// The default theme's templates, compiled into the binary so a deployment is one file.
/// Every page extends `layout` through mustache template inheritance (`{{<layout}}`).
enum DefaultTheme {
    /// The theme's stylesheet, served at `/assets/portal.css`: a file, not an inline `<style>`, so the
    /// Content-Security-Policy can forbid inline styles (`style-src 'self'`).
    static let stylesheet = """
        body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f7f8fa}
        header,main,footer{max-width:56rem;margin:0 auto;padding:1rem 1.5rem}
        header{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #dde1e8}
        header a{color:inherit;text-decoration:none;font-weight:600}
        code,pre{font-family:ui-monospace,monospace;background:#eef0f4;border-radius:4px}
        pre{padding:.75rem;overflow:auto}
        footer{color:#667085;font-size:.875rem}
        """

    static let templates: [String: String] = [
        "layout": """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{$title}}{{/title}} · {{portalName}}</title>
            <link rel="stylesheet" href="/assets/portal.css">
            </head>
            <body>
            <header><a href="/">{{portalName}}</a></header>
            <main>
            {{$body}}{{/body}}
            </main>
            <footer>{{portalName}} developer portal</footer>
            </body>
            </html>
            """,
        "home": """
            {{<layout}}
            {{$title}}Welcome{{/title}}
            {{$body}}
            <h1>{{portalName}}</h1>
            <p>Sign up for an account, then log in to create applications and get credentials for our APIs.</p>
            <h2>Get started with the developer API</h2>
            <ol>
            <li>Create an account: <code>POST {{baseURL}}/api/v1/register</code> with <code>email</code>, <code>password</code> and <code>meta</code> (for example <code>{"full_name":"Ada Lovelace"}</code>).</li>
            <li>Log in with HTTP Basic authentication: <code>GET {{baseURL}}/api/v1/auth</code>; the response sets the <code>portal_session</code> cookie.</li>
            <li>Read your account with that cookie: <code>GET {{baseURL}}/api/v1/developer</code>; log out with <code>DELETE {{baseURL}}/api/v1/auth</code>.</li>
            </ol>
            <pre>curl -X POST {{baseURL}}/api/v1/register \\
              --data-urlencode email=you@example.com \\
              --data-urlencode password='a long passphrase' \\
              --data-urlencode meta='{"full_name":"Your Name"}'</pre>
            {{/body}}
            {{/layout}}
            """,
        "error": """
            {{<layout}}
            {{$title}}{{title}}{{/title}}
            {{$body}}
            <h1>{{status}} · {{title}}</h1>
            <p>{{message}}</p>
            <p><a href="/">Back to the home page</a></p>
            {{/body}}
            {{/layout}}
            """,
    ]
}
