/// The default theme's templates, compiled into the binary so a deployment is one file.
/// Every page extends `layout` through mustache template inheritance (`{{<layout}}`).
enum DefaultTheme {
    /// The theme's stylesheet, served at `/assets/portal.css`: a file, not an inline `<style>`, so the
    /// Content-Security-Policy can forbid inline styles (`style-src 'self'`).
    /// Colours come from the portal's appearance (`/assets/theme.css` defines the variables), with
    /// the mint_rocket theme's values as fallbacks.
    static let stylesheet = """
        body{font:16px/1.5 var(--font-base,system-ui),system-ui,sans-serif;margin:0;color:var(--text-primary,rgba(0,0,0,.8));background:var(--section-body,#fff)}
        header,main,footer{max-width:56rem;margin:0 auto;padding:1rem 1.5rem}
        .bar{background:var(--section-header,#f8f8f8);border-bottom:1px solid var(--section-stroke,rgba(0,0,0,.1))}
        header{display:flex;justify-content:space-between;align-items:center;color:var(--text-header,rgba(0,0,0,.8))}
        header a{color:inherit;text-decoration:none;font-weight:600}
        h1,h2,h3,h4{font-family:var(--font-headings,inherit),system-ui,sans-serif;color:var(--text-headings,rgba(0,0,0,.8))}
        a{color:var(--text-link,#07a88d)}
        .hero{background:var(--section-hero,#f8f8f8);color:var(--text-hero,#fff);padding:2rem 1.5rem;border-radius:8px}
        code,pre{font-family:var(--font-code,ui-monospace),ui-monospace,monospace;background:var(--section-accent,#f8f8f8);border-radius:4px}
        pre{padding:.75rem;overflow:auto}
        table{border-collapse:collapse}th,td{border:1px solid var(--section-stroke,rgba(0,0,0,.1));padding:.25rem .5rem}
        .foot{background:var(--section-footer,#07a88d);color:var(--text-footer,#fff)}
        footer{font-size:.875rem}
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
            <link rel="stylesheet" href="/assets/theme.css">
            </head>
            <body>
            <div class="bar"><header><a href="/">{{portalName}}</a></header></div>
            <main>
            {{$body}}{{/body}}
            </main>
            <div class="foot"><footer>{{portalName}}</footer></div>
            </body>
            </html>
            """,
        "home": """
            {{<layout}}
            {{$title}}Welcome{{/title}}
            {{$body}}
            <h1>{{portalName}}</h1>
            {{#catalogHeader}}<div class="hero"><h2>{{catalogHeader}}</h2>{{#catalogWelcome}}<p>{{catalogWelcome}}</p>{{/catalogWelcome}}</div>{{/catalogHeader}}
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
        // A custom page: `html` is cmark-gfm's safe-mode output (no raw HTML, no unsafe links), the one
        // value a template places unescaped.
        "page": """
            {{<layout}}
            {{$title}}{{title}}{{/title}}
            {{$body}}
            <article>
            {{{html}}}
            </article>
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
