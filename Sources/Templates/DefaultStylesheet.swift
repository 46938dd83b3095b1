extension DefaultTheme {
    /// The theme's stylesheet, served at `/assets/portal.css`: a file, not an inline `<style>`, so the
    /// Content-Security-Policy can forbid inline styles (`style-src 'self'`). Colours and fonts are CSS
    /// variables that `/assets/theme.css` sets from the portal's appearance (light and dark schemes);
    /// the fallbacks here are the mint_rocket theme's, made readable (WCAG AA contrast).
    static let stylesheet = """
        *,*::before,*::after{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%}
        body{margin:0;font:16px/1.6 var(--font-base,system-ui),system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--text-primary,#1f2328);background:var(--section-body,#fff);overflow-wrap:anywhere}
        a{color:var(--text-link,#05785f)}
        a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid var(--button-primary-fill,#1155cb);outline-offset:2px}
        h1,h2,h3,h4{font-family:var(--font-headings,inherit),system-ui,sans-serif;color:var(--text-headings,#1f2328);line-height:1.25}
        h1{font-size:2rem;margin:.5rem 0 1rem}h2{font-size:1.4rem;margin:2rem 0 .75rem}h3{font-size:1.1rem}
        code,pre,kbd{font-family:var(--font-code,ui-monospace),ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
        code{background:var(--section-accent,#f3f4f6);padding:.1em .3em;border-radius:4px}
        pre{background:var(--section-accent,#f3f4f6);padding:.75rem 1rem;border-radius:6px;overflow:auto;border:1px solid var(--section-stroke,#d0d7de)}
        pre code{background:none;padding:0}
        .skip{position:absolute;left:-999px;top:0;background:var(--section-body,#fff);padding:.5rem 1rem;z-index:10}
        .skip:focus{left:1rem}
        .visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
        .bar{background:var(--section-header,#f8f8f8);border-bottom:1px solid var(--section-stroke,#d0d7de)}
        header,main,footer{max-width:64rem;margin:0 auto;padding:1rem 1.25rem}
        header{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;justify-content:space-between;align-items:center;color:var(--text-header,#1f2328)}
        header a{color:inherit}
        .brand{font-weight:700;font-size:1.15rem;text-decoration:none}
        .brand .logo{display:block;height:2.5rem;width:auto;max-width:14rem;object-fit:contain}
        nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0;align-items:center}
        nav form{margin:0}
        main{min-height:60vh}
        .narrow{max-width:32rem}
        .lead{font-size:1.15rem}
        .hero{background:var(--section-hero,#f1f5f4);color:var(--text-hero,#1f2328);padding:2rem 1.5rem;border-radius:12px;margin:1rem 0 2rem}
        .hero h1{color:inherit;margin-top:0}
        .hero.with-cover{background-image:url("/assets/catalog-cover");background-size:cover;background-position:center}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:1rem;list-style:none;padding:0;margin:1rem 0}
        .card{border:1px solid var(--section-stroke,#d0d7de);border-radius:10px;padding:1rem 1.25rem;background:var(--section-tertiary,#fff)}
        .card h2{font-size:1.1rem;margin:.25rem 0 .5rem}
        .version{font-weight:400;color:var(--text-secondary,#57606a)}
        .badge{display:inline-block;border:1px solid currentColor;border-radius:999px;padding:0 .6rem;font-size:.85rem}
        .button,button{display:inline-block;font:inherit;font-weight:600;border:1px solid transparent;border-radius:8px;padding:.55rem 1rem;cursor:pointer;text-decoration:none;background:var(--button-primary-fill,#1155cb);color:var(--button-primary-text,#fff);min-height:44px}
        .button.secondary,button.secondary{background:transparent;color:var(--text-link,#05785f);border-color:currentColor}
        button.link{background:none;border:0;padding:0;color:inherit;font-weight:400;text-decoration:underline;min-height:0}
        button.danger{background:var(--danger,#b42318);color:var(--section-body,#fff)}
        button.small{padding:.25rem .6rem;min-height:36px;font-size:.9rem}
        .actions{display:flex;flex-wrap:wrap;gap:.5rem}
        form{margin:1rem 0}
        .field{margin:0 0 1rem}
        label{display:block;font-weight:600;margin-bottom:.25rem}
        input,select,textarea{font:inherit;width:100%;max-width:32rem;padding:.55rem .7rem;border:1px solid var(--text-secondary,#57606a);border-radius:8px;background:var(--section-body,#fff);color:var(--text-primary,#1f2328);min-height:44px}
        input[aria-invalid=true],select[aria-invalid=true],textarea[aria-invalid=true]{border:2px solid var(--danger,#b42318)}
        .required,.hint{font-weight:400;color:var(--text-secondary,#57606a);font-size:.9rem}
        .hint{margin:.25rem 0 0}
        .field-error,.form-error{color:var(--danger,#b42318);font-weight:600;margin:.25rem 0}
        .form-error{border-left:4px solid var(--danger,#b42318);padding:.25rem .75rem}
        .notice{border-left:4px solid var(--button-primary-fill,#1155cb);background:var(--section-accent,#f3f4f6);padding:.5rem .75rem}
        .search{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
        .search label{width:100%}.search input{flex:1;min-width:12rem}
        .rows{list-style:none;padding:0;margin:1rem 0}
        .row{display:flex;gap:1rem;justify-content:space-between;align-items:center;border:1px solid var(--section-stroke,#d0d7de);border-radius:8px;padding:.6rem 1rem;margin-bottom:.5rem}
        .row p{margin:0}.row .detail{color:var(--text-secondary,#57606a);font-size:.9rem}
        .row form{margin:0}
        .status{font-size:.85rem;font-weight:600;border-radius:999px;padding:.1rem .6rem;border:1px solid currentColor}
        .facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
        .facts dt{font-weight:600}.facts dd{margin:0}
        table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;display:block;overflow-x:auto}
        th,td{border:1px solid var(--section-stroke,#d0d7de);padding:.4rem .6rem;text-align:left;vertical-align:top;overflow-wrap:normal}
        .reference .operation{border-top:1px solid var(--section-stroke,#d0d7de);padding-top:.5rem;margin-top:1.5rem}
        .method{display:inline-block;font-family:var(--font-code,ui-monospace),monospace;font-weight:700;font-size:.8rem;padding:.1rem .45rem;border-radius:4px;border:1px solid currentColor;text-transform:uppercase}
        .toc ul{columns:2 18rem;padding-left:1rem}
        .properties{padding-left:1.25rem}
        .type{color:var(--text-secondary,#57606a);font-size:.9rem}
        .prose img{max-width:100%}
        .prose pre{white-space:pre-wrap;overflow-wrap:anywhere} /* wraps: a markdown block cannot get the tabindex a scrolling one needs */
        .foot{background:var(--section-footer,#0b5c4a);color:var(--text-footer,#fff);margin-top:3rem}
        footer{display:flex;flex-wrap:wrap;gap:1rem;justify-content:space-between;align-items:center;font-size:.9rem}
        footer p{margin:0}
        .scheme{display:flex;gap:.25rem;align-items:center;margin:0}
        .scheme button{background:transparent;color:inherit;border-color:currentColor;padding:.2rem .6rem;min-height:36px;font-weight:400}
        .scheme button[aria-pressed=true]{font-weight:700;text-decoration:underline}
        @media (max-width:40rem){h1{font-size:1.6rem}header{flex-direction:column;align-items:flex-start}.facts{grid-template-columns:1fr}.row{flex-direction:column;align-items:flex-start}}
        """
}
