/// The default theme's templates, compiled into the binary so a deployment is one file.
/// Every page extends `layout` through mustache template inheritance (`{{<layout}}`); forms and their
/// fields are the `form` and `field` partials. A name that starts with `.` is looked up on the current
/// value only: optional members use it, so a missing value never picks up a same-named one further out.
enum DefaultTheme {
    static let templates: [String: String] = [
        "layout": """
            <!doctype html>
            <html lang="en"{{#chrome.scheme}} data-scheme="{{chrome.scheme}}"{{/chrome.scheme}}>
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <title>{{chrome.title}} · {{chrome.portalName}}</title>
            <link rel="stylesheet" href="/assets/portal.css">
            <link rel="stylesheet" href="/assets/theme.css">
            <link rel="icon" href="/favicon.ico">
            </head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            <div class="bar"><header>
            <a class="brand" href="/">{{#chrome.hasLogo}}<img class="logo" src="/assets/logo" alt="{{chrome.portalName}}">{{/chrome.hasLogo}}{{^chrome.hasLogo}}{{chrome.portalName}}{{/chrome.hasLogo}}</a>
            <nav aria-label="Main">
            <ul>
            <li><a href="/catalog">APIs</a></li>
            {{#chrome.developer}}
            <li><a href="/dashboard">Dashboard</a></li>
            <li><a href="/applications">Applications</a></li>
            <li><a href="/credentials">Credentials</a></li>
            <li><a href="/profile">Profile</a></li>
            <li><form method="post" action="/logout"><input type="hidden" name="csrf_token" value="{{chrome.csrfToken}}"><button type="submit" class="link">Log out</button></form></li>
            {{/chrome.developer}}
            {{^chrome.developer}}
            <li><a href="/login">Log in</a></li>
            <li><a class="button" href="/register">Sign up</a></li>
            {{/chrome.developer}}
            </ul>
            </nav>
            </header></div>
            <main id="main">
            {{#chrome.notice}}<p class="notice" role="status">{{chrome.notice}}</p>{{/chrome.notice}}
            {{$body}}{{/body}}
            </main>
            <div class="foot"><footer>
            <p>{{chrome.portalName}}</p>
            <form method="post" action="/appearance-scheme" class="scheme">
            <input type="hidden" name="csrf_token" value="{{chrome.csrfToken}}">
            <input type="hidden" name="next" value="{{chrome.path}}">
            <span id="scheme-label">Colours</span>
            <button type="submit" name="scheme" value="light" aria-describedby="scheme-label" aria-pressed="{{#chrome.schemeLight}}true{{/chrome.schemeLight}}{{^chrome.schemeLight}}false{{/chrome.schemeLight}}">Light</button>
            <button type="submit" name="scheme" value="dark" aria-describedby="scheme-label" aria-pressed="{{#chrome.schemeDark}}true{{/chrome.schemeDark}}{{^chrome.schemeDark}}false{{/chrome.schemeDark}}">Dark</button>
            <button type="submit" name="scheme" value="auto" aria-describedby="scheme-label" aria-pressed="{{#chrome.schemeAuto}}true{{/chrome.schemeAuto}}{{^chrome.schemeAuto}}false{{/chrome.schemeAuto}}">System</button>
            </form>
            </footer></div>
            </body>
            </html>
            """,
        "field": """
            <div class="field">
            {{#isInput}}
            <label for="{{id}}">{{label}}{{#required}} <span class="required">(required)</span>{{/required}}</label>
            <input id="{{id}}" name="{{name}}" type="{{type}}" value="{{value}}"{{#.autocomplete}} autocomplete="{{.}}"{{/.autocomplete}}{{#required}} aria-required="true"{{/required}}{{#.error}} aria-invalid="true" aria-describedby="{{id}}-error"{{/.error}}>
            {{/isInput}}
            {{#isTextarea}}
            <label for="{{id}}">{{label}}{{#required}} <span class="required">(required)</span>{{/required}}</label>
            <textarea id="{{id}}" name="{{name}}" rows="6"{{#required}} aria-required="true"{{/required}}{{#.error}} aria-invalid="true" aria-describedby="{{id}}-error"{{/.error}}>{{value}}</textarea>
            {{/isTextarea}}
            {{#isSelect}}
            <label for="{{id}}">{{label}}{{#required}} <span class="required">(required)</span>{{/required}}</label>
            <select id="{{id}}" name="{{name}}"{{#.error}} aria-invalid="true" aria-describedby="{{id}}-error"{{/.error}}>
            {{#options}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/options}}
            </select>
            {{/isSelect}}
            {{#.hint}}<p class="hint">{{.}}</p>{{/.hint}}
            {{#.error}}<p class="field-error" id="{{id}}-error">{{.}}</p>{{/.error}}
            </div>
            """,
        "form": """
            {{#.heading}}<h2 id="{{id}}-heading">{{.}}</h2>{{/.heading}}
            <form id="{{id}}" method="post" action="{{action}}" novalidate{{#.heading}} aria-labelledby="{{id}}-heading"{{/.heading}}>
            <input type="hidden" name="csrf_token" value="{{chrome.csrfToken}}">
            {{#hidden}}<input type="hidden" name="{{name}}" value="{{value}}">{{/hidden}}
            {{#.error}}<p class="form-error" role="alert">{{.}}</p>{{/.error}}
            {{#fields}}{{>field}}{{/fields}}
            <button type="submit"{{#danger}} class="danger"{{/danger}}>{{submit}}</button>
            </form>
            """,
        "home": """
            {{<layout}}
            {{$body}}
            <section class="hero{{#content.hasCover}} with-cover{{/content.hasCover}}">
            <h1>{{chrome.portalName}}</h1>
            <p class="lead">{{content.catalogHeader}}</p>
            <p>{{content.catalogWelcome}}</p>
            <p class="actions"><a class="button" href="/catalog">Browse the APIs</a>{{^content.loggedIn}} <a class="button secondary" href="/register">Create an account</a>{{/content.loggedIn}}</p>
            </section>
            <section class="cards">
            <div class="card"><h2>1. Create an account</h2><p>Sign up with your email address to get access to the APIs.</p></div>
            <div class="card"><h2>2. Create an application</h2><p>Register it to the API versions you need and wait for approval where required.</p></div>
            <div class="card"><h2>3. Get credentials</h2><p>Create keys for your applications and call the APIs.</p></div>
            </section>
            <h2>Using the developer API</h2>
            <p>Everything here also works over HTTP: log in with <code>GET {{content.baseURL}}/api/v1/auth</code> (HTTP Basic) and use the <code>portal_session</code> cookie.</p>
            <pre tabindex="0">curl -u you@example.com {{content.baseURL}}/api/v1/auth -c cookies.txt
            curl -b cookies.txt {{content.baseURL}}/api/v1/applications</pre>
            {{/body}}
            {{/layout}}
            """,
        "forms": """
            {{<layout}}
            {{$body}}
            <div class="narrow">
            <h1>{{content.heading}}</h1>
            {{#content.intro}}<p>{{.}}</p>{{/content.intro}}
            {{#content.forms}}{{>form}}{{/content.forms}}
            {{#content.links}}<p><a href="{{href}}">{{label}}</a></p>{{/content.links}}
            </div>
            {{/body}}
            {{/layout}}
            """,
        "catalog": """
            {{<layout}}
            {{$body}}
            <h1>APIs</h1>
            <p class="lead">{{content.header}}</p>
            <form method="get" action="/catalog" class="search" role="search">
            <label for="q">Search by name</label>
            <input id="q" name="q" type="search" value="{{content.query}}">
            <button type="submit">Search</button>
            </form>
            {{#content.empty}}<p>No API matches{{#content.hasQuery}} “{{content.query}}”{{/content.hasQuery}}.</p>{{/content.empty}}
            <ul class="catalog cards">
            {{#content.items}}
            <li class="card"><h2><a href="/catalog/{{id}}">{{productName}} <span class="version">{{versionName}}</span></a></h2>
            <p>{{description}}</p>
            {{#deprecated}}<p class="badge">Deprecated</p>{{/deprecated}}
            </li>
            {{/content.items}}
            </ul>
            {{/body}}
            {{/layout}}
            """,
        "product": """
            {{<layout}}
            {{$body}}
            <p><a href="/catalog">← All APIs</a></p>
            <h1>{{content.item.productName}} <span class="version">{{content.item.versionName}}</span></h1>
            {{#content.item.deprecated}}<p class="badge">Deprecated</p>{{/content.item.deprecated}}
            <p>{{content.item.description}}</p>
            {{#content.item.registrationOpen}}<p>{{#content.loggedIn}}<a class="button" href="/applications">Register an application</a>{{/content.loggedIn}}{{^content.loggedIn}}<a class="button" href="/login?next=/catalog/{{content.item.id}}">Log in to register an application</a>{{/content.loggedIn}}</p>{{/content.item.registrationOpen}}
            {{#content.referenceProblem}}<p class="form-error" role="alert">{{.}}</p>{{/content.referenceProblem}}
            {{^content.reference}}{{^content.referenceProblem}}<p>No API reference has been published for this version yet.</p>{{/content.referenceProblem}}{{/content.reference}}
            {{#content.reference}}
            <section class="reference" aria-label="API reference">
            {{#.description}}<div class="description"><p>{{.}}</p></div>{{/.description}}
            {{#hasServers}}<h2>Servers</h2><ul class="servers">{{#servers}}<li><code>{{.}}</code></li>{{/servers}}</ul>{{/hasServers}}
            <nav aria-label="Operations" class="toc"><ul>{{#tags}}{{#operations}}<li><a href="#{{anchor}}"><span class="method m-{{method}}">{{method}}</span> {{path}}</a></li>{{/operations}}{{/tags}}</ul></nav>
            {{#tags}}
            <h2>{{name}}</h2>
            {{#.description}}<p>{{.}}</p>{{/.description}}
            {{#operations}}
            <section class="operation" id="{{anchor}}" aria-labelledby="{{anchor}}-title">
            <h3 id="{{anchor}}-title"><span class="method m-{{method}}">{{method}}</span> <code class="path">{{path}}</code></h3>
            {{#.summary}}<p class="summary">{{.}}</p>{{/.summary}}
            {{#deprecated}}<p class="badge">Deprecated</p>{{/deprecated}}
            {{#.description}}<p>{{.}}</p>{{/.description}}
            {{#hasParameters}}
            <h4>Parameters</h4>
            <table class="parameters" tabindex="0"><thead><tr><th scope="col">Name</th><th scope="col">In / type</th><th scope="col">Description</th></tr></thead><tbody>
            {{#parameters}}<tr><td><code>{{name}}</code>{{#required}} <span class="required">required</span>{{/required}}</td><td>{{type}}</td><td>{{.description}}</td></tr>{{/parameters}}
            </tbody></table>
            {{/hasParameters}}
            {{#requestBody}}<h4>Request body</h4>{{>schema}}{{/requestBody}}
            <h4>Responses</h4>
            {{#responses}}{{>schema}}{{/responses}}
            </section>
            {{/operations}}
            {{/tags}}
            </section>
            {{/content.reference}}
            {{/body}}
            {{/layout}}
            """,
        "schema": """
            <div class="schema">
            <p><strong>{{label}}</strong>{{#.contentType}} <code>{{.}}</code>{{/.contentType}} {{description}}{{#.type}} <span class="type">{{.}}</span>{{/.type}}</p>
            {{#hasProperties}}<ul class="properties">{{#properties}}{{>property}}{{/properties}}</ul>{{/hasProperties}}
            {{#.example}}<details><summary>Example</summary><pre tabindex="0">{{.}}</pre></details>{{/.example}}
            </div>
            """,
        "property": """
            <li><code>{{name}}</code> <span class="type">{{type}}</span>{{#required}} <span class="required">required</span>{{/required}}{{#.description}} — {{.}}{{/.description}}{{#hasChildren}}<ul>{{#children}}{{>property}}{{/children}}</ul>{{/hasChildren}}</li>
            """,
        "dashboard": """
            {{<layout}}
            {{$body}}
            <h1>Dashboard</h1>
            <p>Welcome{{#content.name}}, {{.}}{{/content.name}}. You are logged in as <strong>{{content.email}}</strong>.</p>
            <dl class="facts">{{#content.facts}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/content.facts}}</dl>
            <h2>Your applications</h2>
            {{#content.hasApplications}}<ul class="rows">{{#content.applications}}{{>row}}{{/content.applications}}</ul>{{/content.hasApplications}}
            {{^content.hasApplications}}<p>You have no application yet.</p>{{/content.hasApplications}}
            <p class="actions"><a class="button" href="/applications/new">New application</a> <a class="button secondary" href="/catalog">Browse the APIs</a></p>
            {{/body}}
            {{/layout}}
            """,
        "row": """
            <li class="row"><div><p class="title">{{#.href}}<a href="{{.}}">{{title}}</a>{{/.href}}{{^.href}}{{title}}{{/.href}}</p>{{#.detail}}<p class="detail">{{.}}</p>{{/.detail}}</div>{{#.status}}<span class="status s-{{.}}">{{.}}</span>{{/.status}}{{#.deleteAction}}<form method="post" action="{{.}}" class="delete-credential"><input type="hidden" name="csrf_token" value="{{chrome.csrfToken}}"><button type="submit" class="danger small">Delete<span class="visually-hidden"> {{title}}</span></button></form>{{/.deleteAction}}</li>
            """,
        "applications": """
            {{<layout}}
            {{$body}}
            <h1>Applications</h1>
            <p class="actions"><a class="button" href="/applications/new">New application</a></p>
            {{#content.empty}}<p>You have no application yet. An application holds the credentials your code uses and its registrations to APIs.</p>{{/content.empty}}
            <ul class="applications rows">{{#content.applications}}{{>row}}{{/content.applications}}</ul>
            {{/body}}
            {{/layout}}
            """,
        "application": """
            {{<layout}}
            {{$body}}
            <p><a href="/applications">← Applications</a></p>
            <h1>{{content.name}}</h1>
            <dl class="facts">{{#content.facts}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/content.facts}}</dl>
            <p class="actions"><a class="button secondary" href="/applications/{{content.id}}/edit">Edit</a></p>
            <h2>Registrations</h2>
            {{#content.hasRegistrations}}
            <table class="registrations" tabindex="0"><thead><tr><th scope="col">API</th><th scope="col">Version</th><th scope="col">Status</th></tr></thead><tbody>
            {{#content.registrations}}<tr><td>{{title}}</td><td>{{.detail}}</td><td><span class="status s-{{.status}}">{{.status}}</span></td></tr>{{/content.registrations}}
            </tbody></table>
            {{/content.hasRegistrations}}
            {{^content.hasRegistrations}}<p>This application is not registered to any API yet.</p>{{/content.hasRegistrations}}
            {{#content.registerForm}}{{>form}}{{/content.registerForm}}
            <h2>Credentials</h2>
            {{#content.hasCredentials}}<ul class="rows">{{#content.credentials}}{{>row}}{{/content.credentials}}</ul>{{/content.hasCredentials}}
            {{^content.hasCredentials}}<p>No client credentials yet.</p>{{/content.hasCredentials}}
            {{#content.credentialForm}}{{>form}}{{/content.credentialForm}}
            <h2>Danger zone</h2>
            {{#content.deleteForm}}{{>form}}{{/content.deleteForm}}
            {{/body}}
            {{/layout}}
            """,
        "secret": """
            {{<layout}}
            {{$body}}
            <div class="narrow">
            <h1>{{content.heading}}</h1>
            {{#content.facts}}<div class="field"><label for="{{id}}">{{label}}</label><input id="{{id}}" type="text" readonly value="{{value}}"></div>{{/content.facts}}
            <div class="field">
            <label for="secret">{{content.secretLabel}}</label>
            <input id="secret" type="text" readonly value="{{content.secret}}" aria-describedby="secret-hint">
            <p class="hint" id="secret-hint">Copy it now: it is shown only this once and cannot be shown again.</p>
            </div>
            <p><a class="button" href="{{content.backHref}}">{{content.backLabel}}</a></p>
            </div>
            {{/body}}
            {{/layout}}
            """,
        "credentials": """
            {{<layout}}
            {{$body}}
            <h1>Credentials</h1>
            <h2>API keys</h2>
            {{#content.hasKeys}}<ul class="key-auth rows">{{#content.keys}}{{>row}}{{/content.keys}}</ul>{{/content.hasKeys}}
            {{^content.hasKeys}}<p>No API key yet.</p>{{/content.hasKeys}}
            {{#content.keyForm}}{{>form}}{{/content.keyForm}}
            <h2>JWT credentials</h2>
            {{#content.hasJWTs}}<ul class="jwt rows">{{#content.jwts}}{{>row}}{{/content.jwts}}</ul>{{/content.hasJWTs}}
            {{^content.hasJWTs}}<p>No JWT credential yet.</p>{{/content.hasJWTs}}
            {{#content.jwtForm}}{{>form}}{{/content.jwtForm}}
            {{/body}}
            {{/layout}}
            """,
        // A custom page: `html` is cmark-gfm's safe-mode output (no raw HTML, no unsafe links), the one
        // value a template places unescaped.
        "page": """
            {{<layout}}
            {{$body}}
            <article class="prose">
            {{{content.html}}}
            </article>
            {{/body}}
            {{/layout}}
            """,
        "error": """
            {{<layout}}
            {{$body}}
            <div class="narrow">
            <h1>{{content.status}} · {{content.title}}</h1>
            <p>{{content.message}}</p>
            <p><a href="/">Back to the home page</a></p>
            </div>
            {{/body}}
            {{/layout}}
            """,
    ]
}
