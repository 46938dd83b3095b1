// Templates look values up by name; each model names the stored properties a template may use, and
// `TemplateObjectTests` checks each list against `Mirror` (a forgotten one would render as nothing).

extension Chrome: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "portalName": TemplateValue(self.portalName)
        case "hasLogo": TemplateValue(self.hasLogo)
        case "title": TemplateValue(self.title)
        case "developer": TemplateValue(self.developer)
        case "csrfToken": TemplateValue(self.csrfToken)
        case "path": TemplateValue(self.path)
        case "scheme": TemplateValue(self.scheme)
        case "schemeLight": TemplateValue(self.schemeLight)
        case "schemeDark": TemplateValue(self.schemeDark)
        case "schemeAuto": TemplateValue(self.schemeAuto)
        case "notice": TemplateValue(self.notice)
        default: .missing
        }
    }
}

extension SitePage: TemplateObject where Content: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "template": TemplateValue(self.template)
        case "chrome": TemplateValue(self.chrome)
        case "content": TemplateValue(self.content)
        default: .missing
        }
    }
}

extension FormField: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "name": TemplateValue(self.name)
        case "id": TemplateValue(self.id)
        case "label": TemplateValue(self.label)
        case "type": TemplateValue(self.type)
        case "value": TemplateValue(self.value)
        case "error": TemplateValue(self.error)
        case "hint": TemplateValue(self.hint)
        case "required": TemplateValue(self.required)
        case "autocomplete": TemplateValue(self.autocomplete)
        case "options": TemplateValue(self.options)
        case "isInput": TemplateValue(self.isInput)
        case "isSelect": TemplateValue(self.isSelect)
        case "isTextarea": TemplateValue(self.isTextarea)
        default: .missing
        }
    }
}

extension FormField.Option: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "value": TemplateValue(self.value)
        case "label": TemplateValue(self.label)
        case "selected": TemplateValue(self.selected)
        default: .missing
        }
    }
}

extension Form: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "id": TemplateValue(self.id)
        case "heading": TemplateValue(self.heading)
        case "action": TemplateValue(self.action)
        case "fields": TemplateValue(self.fields)
        case "hidden": TemplateValue(self.hidden)
        case "submit": TemplateValue(self.submit)
        case "error": TemplateValue(self.error)
        case "danger": TemplateValue(self.danger)
        default: .missing
        }
    }
}

extension FormsPage: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "heading": TemplateValue(self.heading)
        case "intro": TemplateValue(self.intro)
        case "forms": TemplateValue(self.forms)
        case "links": TemplateValue(self.links)
        default: .missing
        }
    }
}

extension Link: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "href": TemplateValue(self.href)
        case "label": TemplateValue(self.label)
        default: .missing
        }
    }
}

extension Fact: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "label": TemplateValue(self.label)
        case "value": TemplateValue(self.value)
        default: .missing
        }
    }
}

extension HomeContent: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "baseURL": TemplateValue(self.baseURL)
        case "catalogHeader": TemplateValue(self.catalogHeader)
        case "catalogWelcome": TemplateValue(self.catalogWelcome)
        case "hasCover": TemplateValue(self.hasCover)
        case "loggedIn": TemplateValue(self.loggedIn)
        default: .missing
        }
    }
}

extension ErrorContent: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "status": TemplateValue(self.status)
        case "title": TemplateValue(self.title)
        case "message": TemplateValue(self.message)
        default: .missing
        }
    }
}

extension CustomPageContent: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "title": TemplateValue(self.title)
        case "html": TemplateValue(self.html)
        default: .missing
        }
    }
}

extension CatalogItem: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "id": TemplateValue(self.id)
        case "productName": TemplateValue(self.productName)
        case "versionName": TemplateValue(self.versionName)
        case "description": TemplateValue(self.description)
        case "deprecated": TemplateValue(self.deprecated)
        case "registrationOpen": TemplateValue(self.registrationOpen)
        default: .missing
        }
    }
}

extension CatalogContent: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "query": TemplateValue(self.query)
        case "hasQuery": TemplateValue(self.hasQuery)
        case "items": TemplateValue(self.items)
        case "empty": TemplateValue(self.empty)
        case "header": TemplateValue(self.header)
        case "welcome": TemplateValue(self.welcome)
        default: .missing
        }
    }
}

extension APIReference: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "title": TemplateValue(self.title)
        case "version": TemplateValue(self.version)
        case "description": TemplateValue(self.description)
        case "servers": TemplateValue(self.servers)
        case "hasServers": TemplateValue(self.hasServers)
        case "tags": TemplateValue(self.tags)
        default: .missing
        }
    }
}

extension APIReference.Property: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "name": TemplateValue(self.name)
        case "type": TemplateValue(self.type)
        case "required": TemplateValue(self.required)
        case "description": TemplateValue(self.description)
        case "children": TemplateValue(self.children)
        case "hasChildren": TemplateValue(self.hasChildren)
        default: .missing
        }
    }
}

extension APIReference.Body: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "label": TemplateValue(self.label)
        case "contentType": TemplateValue(self.contentType)
        case "description": TemplateValue(self.description)
        case "type": TemplateValue(self.type)
        case "properties": TemplateValue(self.properties)
        case "hasProperties": TemplateValue(self.hasProperties)
        case "example": TemplateValue(self.example)
        default: .missing
        }
    }
}

extension APIReference.Operation: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "anchor": TemplateValue(self.anchor)
        case "method": TemplateValue(self.method)
        case "path": TemplateValue(self.path)
        case "summary": TemplateValue(self.summary)
        case "description": TemplateValue(self.description)
        case "deprecated": TemplateValue(self.deprecated)
        case "parameters": TemplateValue(self.parameters)
        case "hasParameters": TemplateValue(self.hasParameters)
        case "requestBody": TemplateValue(self.requestBody)
        case "responses": TemplateValue(self.responses)
        default: .missing
        }
    }
}

extension APIReference.Tag: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "name": TemplateValue(self.name)
        case "description": TemplateValue(self.description)
        case "operations": TemplateValue(self.operations)
        default: .missing
        }
    }
}

extension ProductContent: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "item": TemplateValue(self.item)
        case "reference": TemplateValue(self.reference)
        case "referenceProblem": TemplateValue(self.referenceProblem)
        case "loggedIn": TemplateValue(self.loggedIn)
        default: .missing
        }
    }
}

extension ListRow: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "id": TemplateValue(self.id)
        case "title": TemplateValue(self.title)
        case "href": TemplateValue(self.href)
        case "detail": TemplateValue(self.detail)
        case "status": TemplateValue(self.status)
        case "deleteAction": TemplateValue(self.deleteAction)
        default: .missing
        }
    }
}

extension DashboardContent: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "email": TemplateValue(self.email)
        case "name": TemplateValue(self.name)
        case "facts": TemplateValue(self.facts)
        case "applications": TemplateValue(self.applications)
        case "hasApplications": TemplateValue(self.hasApplications)
        default: .missing
        }
    }
}

extension ApplicationsContent: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "applications": TemplateValue(self.applications)
        case "empty": TemplateValue(self.empty)
        default: .missing
        }
    }
}

extension ApplicationContent: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "id": TemplateValue(self.id)
        case "name": TemplateValue(self.name)
        case "facts": TemplateValue(self.facts)
        case "registrations": TemplateValue(self.registrations)
        case "hasRegistrations": TemplateValue(self.hasRegistrations)
        case "registerForm": TemplateValue(self.registerForm)
        case "credentials": TemplateValue(self.credentials)
        case "hasCredentials": TemplateValue(self.hasCredentials)
        case "credentialForm": TemplateValue(self.credentialForm)
        case "deleteForm": TemplateValue(self.deleteForm)
        default: .missing
        }
    }
}

extension SecretContent: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "heading": TemplateValue(self.heading)
        case "facts": TemplateValue(self.facts)
        case "secretLabel": TemplateValue(self.secretLabel)
        case "secret": TemplateValue(self.secret)
        case "backHref": TemplateValue(self.backHref)
        case "backLabel": TemplateValue(self.backLabel)
        default: .missing
        }
    }
}

extension CredentialsContent: TemplateObject {
    public func value(named name: String) -> TemplateValue {
        switch name {
        case "keys": TemplateValue(self.keys)
        case "hasKeys": TemplateValue(self.hasKeys)
        case "jwts": TemplateValue(self.jwts)
        case "hasJWTs": TemplateValue(self.hasJWTs)
        case "keyForm": TemplateValue(self.keyForm)
        case "jwtForm": TemplateValue(self.jwtForm)
        default: .missing
        }
    }
}
