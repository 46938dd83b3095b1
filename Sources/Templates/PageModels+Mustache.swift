import Mustache

// Templates look values up by name. Without these conformances swift-mustache finds them through
// `Mirror`, which was most of the cost of rendering a page (measured: half of the home page). Each model
// names its stored properties here; `MustacheLookupTests` checks the list against `Mirror`.

extension Chrome: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "portalName": self.portalName
        case "title": self.title
        case "developer": self.developer
        case "csrfToken": self.csrfToken
        case "path": self.path
        case "scheme": self.scheme
        case "schemeLight": self.schemeLight
        case "schemeDark": self.schemeDark
        case "schemeAuto": self.schemeAuto
        case "notice": self.notice
        default: nil
        }
    }
}

extension SitePage: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "template": self.template
        case "chrome": self.chrome
        case "content": self.content
        default: nil
        }
    }
}

extension FormField: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "id": self.id
        case "label": self.label
        case "type": self.type
        case "value": self.value
        case "error": self.error
        case "hint": self.hint
        case "required": self.required
        case "autocomplete": self.autocomplete
        case "options": self.options
        case "isInput": self.isInput
        case "isSelect": self.isSelect
        case "isTextarea": self.isTextarea
        default: nil
        }
    }
}

extension FormField.Option: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "value": self.value
        case "label": self.label
        case "selected": self.selected
        default: nil
        }
    }
}

extension Form: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "id": self.id
        case "heading": self.heading
        case "action": self.action
        case "fields": self.fields
        case "hidden": self.hidden
        case "submit": self.submit
        case "error": self.error
        case "danger": self.danger
        default: nil
        }
    }
}

extension FormsPage: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "heading": self.heading
        case "intro": self.intro
        case "forms": self.forms
        case "links": self.links
        default: nil
        }
    }
}

extension Link: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "href": self.href
        case "label": self.label
        default: nil
        }
    }
}

extension Fact: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "label": self.label
        case "value": self.value
        default: nil
        }
    }
}

extension HomeContent: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "baseURL": self.baseURL
        case "catalogHeader": self.catalogHeader
        case "catalogWelcome": self.catalogWelcome
        case "hasCover": self.hasCover
        case "loggedIn": self.loggedIn
        default: nil
        }
    }
}

extension ErrorContent: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "status": self.status
        case "title": self.title
        case "message": self.message
        default: nil
        }
    }
}

extension CustomPageContent: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "title": self.title
        case "html": self.html
        default: nil
        }
    }
}

extension CatalogItem: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "id": self.id
        case "productName": self.productName
        case "versionName": self.versionName
        case "description": self.description
        case "deprecated": self.deprecated
        case "registrationOpen": self.registrationOpen
        default: nil
        }
    }
}

extension CatalogContent: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "query": self.query
        case "hasQuery": self.hasQuery
        case "items": self.items
        case "empty": self.empty
        case "header": self.header
        case "welcome": self.welcome
        default: nil
        }
    }
}

extension APIReference: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "title": self.title
        case "version": self.version
        case "description": self.description
        case "servers": self.servers
        case "hasServers": self.hasServers
        case "tags": self.tags
        default: nil
        }
    }
}

extension APIReference.Property: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "type": self.type
        case "required": self.required
        case "description": self.description
        case "children": self.children
        case "hasChildren": self.hasChildren
        default: nil
        }
    }
}

extension APIReference.Body: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "label": self.label
        case "contentType": self.contentType
        case "description": self.description
        case "type": self.type
        case "properties": self.properties
        case "hasProperties": self.hasProperties
        case "example": self.example
        default: nil
        }
    }
}

extension APIReference.Operation: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "anchor": self.anchor
        case "method": self.method
        case "path": self.path
        case "summary": self.summary
        case "description": self.description
        case "deprecated": self.deprecated
        case "parameters": self.parameters
        case "hasParameters": self.hasParameters
        case "requestBody": self.requestBody
        case "responses": self.responses
        default: nil
        }
    }
}

extension APIReference.Tag: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "description": self.description
        case "operations": self.operations
        default: nil
        }
    }
}

extension ProductContent: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "item": self.item
        case "reference": self.reference
        case "referenceProblem": self.referenceProblem
        case "loggedIn": self.loggedIn
        default: nil
        }
    }
}

extension ListRow: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "id": self.id
        case "title": self.title
        case "href": self.href
        case "detail": self.detail
        case "status": self.status
        case "deleteAction": self.deleteAction
        default: nil
        }
    }
}

extension DashboardContent: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "email": self.email
        case "name": self.name
        case "facts": self.facts
        case "applications": self.applications
        case "hasApplications": self.hasApplications
        default: nil
        }
    }
}

extension ApplicationsContent: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "applications": self.applications
        case "empty": self.empty
        default: nil
        }
    }
}

extension ApplicationContent: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "id": self.id
        case "name": self.name
        case "facts": self.facts
        case "registrations": self.registrations
        case "hasRegistrations": self.hasRegistrations
        case "registerForm": self.registerForm
        case "credentials": self.credentials
        case "hasCredentials": self.hasCredentials
        case "credentialForm": self.credentialForm
        case "deleteForm": self.deleteForm
        default: nil
        }
    }
}

extension SecretContent: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "heading": self.heading
        case "facts": self.facts
        case "secretLabel": self.secretLabel
        case "secret": self.secret
        case "backHref": self.backHref
        case "backLabel": self.backLabel
        default: nil
        }
    }
}

extension CredentialsContent: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "keys": self.keys
        case "hasKeys": self.hasKeys
        case "jwts": self.jwts
        case "hasJWTs": self.hasJWTs
        case "keyForm": self.keyForm
        case "jwtForm": self.jwtForm
        default: nil
        }
    }
}
